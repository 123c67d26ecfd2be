// BusPump on a real private dbus-daemon and a real libuv loop: the loop alone
// drives sd-bus (no thread), and every handle is closed at the end.

#include "dbus/bus_pump.hpp"
#include "private_bus.hpp"

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

class Loop {
public:
    Loop() { uv_loop_init(&loop_); }
    ~Loop() {
        // A test that failed midway may leave handles; close them so ASan stays quiet.
        if (!closed_ && uv_loop_close(&loop_) != 0) {
            uv_walk(
                &loop_,
                [](uv_handle_t* h, void*) {
                    if (uv_is_closing(h) == 0) {
                        uv_close(h, nullptr);
                    }
                },
                nullptr);
            uv_run(&loop_, UV_RUN_DEFAULT);
            uv_loop_close(&loop_);
        }
    }
    uv_loop_t* get() { return &loop_; }
    /// Runs until nothing is left, then closes the loop; 0 = every handle closed.
    int run_and_close() {
        uv_run(&loop_, UV_RUN_DEFAULT);
        const int rc = uv_loop_close(&loop_);
        closed_ = rc == 0;
        return rc;
    }

private:
    uv_loop_t loop_{};
    bool closed_ = false;
};

struct Server {
    explicit Server(const std::string& address)
        : connection(sdbus::createSessionBusConnectionWithAddress(address)) {
        connection->requestName(service_name);
        object = sdbus::createObject(*connection, object_path);
        object->registerMethod("Add")
            .onInterface(interface_name)
            .implementedAs([](std::int32_t a, std::int32_t b) { return a + b; });
        // Never answers: the caller's timeout (sd-bus: NoReply) must come from the pump's timer.
        object->registerMethod("Hang")
            .onInterface(interface_name)
            .implementedAs([this](sdbus::Result<>&& result) { held.emplace(std::move(result)); });
        object->finishRegistration();
    }
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<sdbus::IObject> object;
    std::optional<sdbus::Result<>> held;
};

// Runs busctl (a real third-party client) on the loop; `done` fires at its exit.
struct Busctl {
    uv_process_t process{};
    uv_pipe_t out{};
    std::string output;
    int64_t exit_status = -1;
    std::function<void()> done;

    int spawn(uv_loop_t* loop, std::vector<std::string> args) {
        uv_pipe_init(loop, &out, 0);
        out.data = this;
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        uv_stdio_container_t stdio[3];
        stdio[0].flags = UV_IGNORE;
        stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
        stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&out);
        stdio[2].flags = UV_INHERIT_FD;
        stdio[2].data.fd = 2;
        uv_process_options_t options{};
        options.file = argv[0];
        options.args = argv.data();
        options.stdio = stdio;
        options.stdio_count = 3;
        options.exit_cb = [](uv_process_t* p, int64_t status, int) {
            auto* self = static_cast<Busctl*>(p->data);
            self->exit_status = status;
            uv_close(reinterpret_cast<uv_handle_t*>(p), nullptr);
            if (self->done) {
                self->done();
            }
        };
        process.data = this;
        const int rc = uv_spawn(loop, &process, &options);
        if (rc < 0) {
            return rc;
        }
        return uv_read_start(
            reinterpret_cast<uv_stream_t*>(&out),
            [](uv_handle_t*, size_t size, uv_buf_t* buf) {
                buf->base = new char[size];
                buf->len = size;
            },
            [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                auto* self = static_cast<Busctl*>(s->data);
                if (n > 0) {
                    self->output.append(buf->base, static_cast<std::size_t>(n));
                } else if (n < 0) {
                    uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
                }
                delete[] buf->base;
            });
    }
};

TEST(BusPump, ServesAMethodCallFromBusctlOnTheLoopThread) {
    test::PrivateBus bus;
    Server server(bus.address());
    Loop loop;
    std::string failure;
    auto pump = std::make_unique<BusPump>(loop.get(), *server.connection,
                                          [&](const std::string& why) { failure = why; });

    Busctl busctl;
    busctl.done = [&] {
        pump->close();
    };
    ASSERT_EQ(
        busctl.spawn(loop.get(), {"busctl", "--address=" + bus.address(), "call", service_name,
                                  object_path, interface_name, "Add", "ii", "2", "3"}),
        0);
    EXPECT_EQ(loop.run_and_close(), 0);
    EXPECT_EQ(busctl.exit_status, 0);
    EXPECT_EQ(busctl.output, "i 5\n");
    EXPECT_EQ(failure, "");
}

TEST(BusPump, DeliversAsyncRepliesAndTimeoutsBetweenTwoConnectionsOnOneLoop) {
    test::PrivateBus bus;
    Server server(bus.address());
    auto client = sdbus::createSessionBusConnectionWithAddress(bus.address());
    auto proxy = sdbus::createProxy(*client, service_name, object_path);
    proxy->finishRegistration();
    Loop loop;
    BusPump server_pump(loop.get(), *server.connection, {});
    BusPump client_pump(loop.get(), *client, {});

    std::optional<std::int32_t> sum;
    std::string timeout_error;
    proxy->callMethodAsync("Add")
        .onInterface(interface_name)
        .withArguments(40, 2)
        .uponReplyInvoke([&](const sdbus::Error* error, std::int32_t value) {
            if (error == nullptr) {
                sum = value;
            }
        });
    const auto started = std::chrono::steady_clock::now();
    proxy->callMethodAsync("Hang")
        .onInterface(interface_name)
        .withTimeout(std::chrono::milliseconds(200))
        .uponReplyInvoke([&](const sdbus::Error* error) {
            timeout_error = error != nullptr ? error->getName() : "no error";
            server_pump.close();
            client_pump.close();
        });

    EXPECT_EQ(loop.run_and_close(), 0);
    EXPECT_EQ(sum, 42);
    EXPECT_EQ(timeout_error, "org.freedesktop.DBus.Error.NoReply");
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, std::chrono::milliseconds(200));
    EXPECT_LT(waited, std::chrono::milliseconds(2000));
}

TEST(BusPump, ReportsTheFailureWhenTheBusGoesAwayAndClosesItsHandles) {
    test::PrivateBus bus;
    Server server(bus.address());
    Loop loop;
    std::string failure;
    BusPump pump(loop.get(), *server.connection, [&](const std::string& why) { failure = why; });

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

    EXPECT_EQ(loop.run_and_close(), 0);
    EXPECT_NE(failure, "");
    EXPECT_TRUE(pump.failed());
}

} // namespace
} // namespace nb::dbus
