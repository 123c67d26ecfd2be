// BusPump on a real private dbus-daemon and a real libuv loop: the loop alone
// drives sd-bus (no thread), and every handle is closed at the end.

#include "dbus/bus_pump.hpp"
#include "loop_process.hpp"
#include "private_bus.hpp"
#include "test_loop.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>
#include <uv.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace nb::dbus {
namespace {

constexpr const char* service_name = "org.example.PumpTest";
constexpr const char* object_path = "/org/example/Pump";
constexpr const char* interface_name = "org.example.Pump";

struct Server {
    explicit Server(const std::string& address)
        : connection(sdbus::createSessionBusConnectionWithAddress(address)) {
        sdbus_seam::request_name(*connection, service_name);
        object = sdbus_seam::create_object(*connection, object_path);
        std::vector<sdbus_seam::RawMethod> methods;
        methods.push_back({"Add", "ii", "i", [](sdbus::MethodCall call) {
                               std::int32_t a = 0;
                               std::int32_t b = 0;
                               call >> a >> b;
                               auto reply = call.createReply();
                               reply << a + b;
                               reply.send();
                           }});
        // Never answers: the caller's timeout (sd-bus: NoReply) must come from the pump's timer.
        methods.push_back({"Hang", "", "", [this](sdbus::MethodCall call) {
                               held.emplace(std::move(call));
                           }});
        sdbus_seam::add_methods(*object, interface_name, std::move(methods));
    }
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<sdbus::IObject> object;
    std::optional<sdbus::MethodCall> held;
};

// The server's connection pumped by the test's loop, on a private bus; the
// pump's failure report kept.
class AServersBusPump : public ::testing::Test {
protected:
    test::PrivateBus bus;
    Server server{bus.address()};
    test::TestLoop loop;
    std::string failure;
    BusPump pump{loop.get(), *server.connection, [this](const std::string& why) {
                     failure = why;
                 }};
};

TEST_F(AServersBusPump, ServesAMethodCallFromBusctlOnTheLoopThread) {

    test::LoopProcess busctl;
    ASSERT_EQ(
        busctl.spawn(loop.get(), {"busctl", "--address=" + bus.address(), "call", service_name,
                                  object_path, interface_name, "Add", "ii", "2", "3"}),
        0);
    ASSERT_TRUE(loop.run_until([&] { return busctl.exited(); }));
    pump.close();
    EXPECT_EQ(loop.drain_and_close(), 0);
    EXPECT_EQ(busctl.exit_status(), 0) << busctl.err();
    EXPECT_EQ(busctl.out(), "i 5\n");
    EXPECT_EQ(failure, "");
}

TEST(BusPump, DeliversAsyncRepliesAndTimeoutsBetweenTwoConnectionsOnOneLoop) {
    test::PrivateBus bus;
    Server server(bus.address());
    auto client = sdbus::createSessionBusConnectionWithAddress(bus.address());
    auto proxy = sdbus_seam::create_proxy(*client, service_name, object_path);
    sdbus_seam::finish_proxy_registration(*proxy);
    test::TestLoop loop;
    BusPump server_pump(loop.get(), *server.connection, {});
    BusPump client_pump(loop.get(), *client, {});

    std::optional<std::int32_t> sum;
    bool add_failed = false;
    std::string timeout_error;
    proxy->callMethodAsync("Add")
        .onInterface(interface_name)
        .withArguments(40, 2)
        .uponReplyInvoke([&](sdbus_seam::ReplyError error, std::int32_t value) {
            add_failed = static_cast<bool>(error);
            sum = value;
        });
    const auto started = std::chrono::steady_clock::now();
    proxy->callMethodAsync("Hang")
        .onInterface(interface_name)
        .withTimeout(std::chrono::milliseconds(200))
        .uponReplyInvoke([&](sdbus_seam::ReplyError error) {
            timeout_error = error ? std::string(error->getName()) : "no error";
            server_pump.close();
            client_pump.close();
        });

    EXPECT_EQ(loop.drain_and_close(), 0);
    EXPECT_FALSE(add_failed);
    EXPECT_EQ(sum, 42);
    EXPECT_EQ(timeout_error, "org.freedesktop.DBus.Error.NoReply");
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, std::chrono::milliseconds(200));
    EXPECT_LT(waited, std::chrono::milliseconds(2000));
}

TEST_F(AServersBusPump, ReportsTheFailureWhenTheBusGoesAwayAndClosesItsHandles) {

    uv_timer_t kill_timer{};
    kill_timer.data = &bus;
    uv_timer_init(loop.get(), &kill_timer);
    uv_timer_start(
        &kill_timer,
        [](uv_timer_t* t) {
            static_cast<test::PrivateBus*>(t->data)->stop();
            uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
        },
        0, 0);

    EXPECT_EQ(loop.drain_and_close(), 0);
    EXPECT_NE(failure, "");
    EXPECT_TRUE(pump.failed());
}

} // namespace
} // namespace nb::dbus
