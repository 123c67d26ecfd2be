#pragma once
// A core::Broker served by a real BusService on a real private dbus-daemon, on
// one libuv loop, with helpers to act as D-Bus workers: busctl processes (one
// connection per call) and an in-process sdbus-c++ client whose connection lives
// as long as the test wants (async calls, on the same loop, no threads).
// Thread-safety: the test thread only.

#include "core/broker.hpp"
#include "dbus/broker_object.hpp"
#include "dbus/bus_pump.hpp"
#include "dbus/bus_service.hpp"
#include "loop_process.hpp"
#include "private_bus.hpp"
#include "test_loop.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nb::test {

inline constexpr const char* broker_name = "org.notifybroker.Broker1.test";
inline constexpr const char* broker_path = "/org/notifybroker/Broker1";
inline constexpr const char* broker_interface = "org.notifybroker.Broker1";

/// A worker with its own bus connection, pumped on the harness's loop.
class BusClient {
public:
    BusClient(uv_loop_t* loop, const std::string& address);
    ~BusClient();

    /// Calls `method` and runs the loop until the reply: "" on success, else
    /// "error.Name: message".
    template <class... Args>
    std::string call(TestLoop& loop, const std::string& method, const Args&... args) {
        bool done = false;
        std::string error;
        proxy_->callMethodAsync(method)
            .onInterface(broker_interface)
            .withArguments(args...)
            .uponReplyInvoke([&](dbus::sdbus_seam::ReplyError e) {
                done = true;
                if (e) {
                    error = e->getName() + ": " + e->getMessage();
                }
            });
        if (!loop.run_until([&] { return done; })) {
            return "no reply";
        }
        return error;
    }

    /// Every PropertiesChanged of the broker's interface, in order.
    std::vector<std::map<std::string, sdbus::Variant>> changes;
    /// The invalidated names of each of those signals (Workers is never sent).
    std::vector<std::vector<std::string>> invalidations;
    [[nodiscard]] std::string unique_name() const { return connection_->getUniqueName(); }
    [[nodiscard]] sdbus::IProxy& proxy() noexcept { return *proxy_; }

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::unique_ptr<dbus::BusPump> pump_;
};

class BrokerHarness {
public:
    using Clock = std::function<core::TimePoint()>;
    /// `clock`: what the BusService and the Broker are told is now (steady_clock
    /// when empty).
    explicit BrokerHarness(core::BrokerConfig config = {}, PrivateBusOptions bus_options = {},
                           Clock clock = {});
    ~BrokerHarness();

    /// Runs `busctl --address=<bus> ARGS...` to its end while the broker serves.
    std::unique_ptr<LoopProcess> busctl(std::vector<std::string> args,
                                        std::vector<std::string> prefix = {});
    /// busctl call <broker> <path> <interface> ARGS...
    std::unique_ptr<LoopProcess> call(std::vector<std::string> args,
                                      std::vector<std::string> prefix = {});
    /// A property as busctl prints it ("s \"ready\"", "u 1").
    std::string property(const std::string& name);
    std::unique_ptr<BusClient> client() {
        return std::make_unique<BusClient>(loop.get(), bus.address());
    }

    /// Runs the loop until the service owns its name or logged that it cannot
    /// ("cannot serve"); false if neither happened within `timeout`. The
    /// constructor does this once.
    bool await_connect_outcome(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Closes the service and checks the loop closes cleanly (uv_loop_close == 0).
    int finish();

    PrivateBus bus;
    TestLoop loop;
    Clock clock;
    core::Broker broker;
    /// Every upstream datagram the core produced, drained in after_change.
    std::vector<std::string> upstream;
    int after_changes = 0;
    std::vector<std::string> log;
    /// What the broker is told a pid's unit is (empty function: no unit).
    std::function<std::string(pid_t)> unit_of;
    std::unique_ptr<dbus::BusService> service;
};

} // namespace nb::test
