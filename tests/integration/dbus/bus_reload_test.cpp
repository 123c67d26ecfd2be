// SIGHUP that changes [dbus] name or bus on the real notify-brokerd (issue 14
// point 5): both apply live. A new name is owned before the old one is
// released; a new bus drops the old connection (its D-Bus workers are gone, as
// when a bus goes away) and is joined without a restart.

#include "name_watch.hpp"
#include "private_bus.hpp"
#include "support/broker_test.hpp"

#include <nb/test/child_process.hpp>

#include <gtest/gtest.h>
#include <systemd/sd-bus.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <signal.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* first_name = "org.notifybroker.ReloadTest1.first";
constexpr const char* second_name = "org.notifybroker.ReloadTest1.second";

struct BusUnref {
    void operator()(sd_bus* bus) const noexcept { sd_bus_flush_close_unref(bus); }
};
using HeldBus = std::unique_ptr<sd_bus, BusUnref>;

/// A D-Bus worker: calls Ready(name) on `broker_name` and keeps its connection
/// (so its unique name, the worker's key, stays on the bus). Null on failure.
HeldBus ready_over_dbus(const std::string& address, const std::string& broker_name,
                        const std::string& worker) {
    sd_bus* raw = nullptr;
    if (sd_bus_new(&raw) < 0) {
        return nullptr;
    }
    HeldBus bus(raw);
    if (sd_bus_set_address(raw, address.c_str()) < 0 || sd_bus_set_bus_client(raw, 1) < 0 ||
        sd_bus_start(raw) < 0) {
        return nullptr;
    }
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = sd_bus_call_method(raw, broker_name.c_str(), "/org/notifybroker/Broker1",
                                     "org.notifybroker.Broker1", "Ready", &error, nullptr, "s",
                                     worker.c_str());
    sd_bus_error_free(&error);
    return r >= 0 ? std::move(bus) : nullptr;
}

std::string config(const std::string& bus, const std::string& name) {
    return "[dbus]\nbus = \"" + bus + "\"\nname = \"" + name + "\"\n";
}

class ADbusReload : public BrokerTest {
protected:
    BrokerProcess& start_with(const std::string& bus_address, const std::string& name) {
        BrokerOptions options;
        options.bus_none = false;
        options.config = config(bus_address, name);
        options.args = {"--expect", "1", "--status-interval", "1ms"};
        return start_broker(options);
    }

    /// Rewrites broker.toml, sends SIGHUP and waits for the reload's READY=1.
    void reload_with(BrokerProcess& broker, const std::string& bus_address,
                     const std::string& name) {
        dir_.write("broker.toml", config(bus_address, name));
        broker.signal(SIGHUP);
        ASSERT_TRUE(upstream_.wait_for_line("RELOADING=1", 5s));
        const auto ready = upstream_.wait_for_line("READY=1", 5s);
        ASSERT_TRUE(ready);
        EXPECT_EQ(ready->find("restart needed"), std::string::npos) << printable(*ready);
    }

    /// `busctl get-property` of the broker's ReadyCount at `name`: "u 1", or "" on failure.
    std::string ready_count(const std::string& address, const std::string& name) {
        SpawnOptions spawn;
        // A file per call: output_file appends.
        const std::string out = dir_.file("busctl-" + std::to_string(++calls_) + ".out");
        spawn.output_file = out;
        auto child = ChildProcess::spawn({"/usr/bin/busctl", "--address=" + address, "get-property",
                                          name, "/org/notifybroker/Broker1",
                                          "org.notifybroker.Broker1", "ReadyCount"},
                                         spawn);
        if (child.wait_exit_code(5s) != 0) {
            return {};
        }
        std::ifstream in(out);
        std::stringstream text;
        text << in.rdbuf();
        std::string value = text.str();
        while (!value.empty() && value.back() == '\n') {
            value.pop_back();
        }
        return value;
    }

    PrivateBus bus;
    int calls_ = 0;
};

TEST_F(ADbusReload, OfTheNameTakesTheNewNameThenReleasesTheOld) {
    auto& broker = start_with(bus.address(), first_name);
    ASSERT_TRUE(await_name(bus.address(), first_name, true, 10s)) << "not on the bus";
    auto worker = ready_over_dbus(bus.address(), first_name, "web-1");
    ASSERT_TRUE(worker) << "the D-Bus worker's Ready failed";

    reload_with(broker, bus.address(), second_name);
    ASSERT_TRUE(await_name(bus.address(), second_name, true, 10s)) << "the new name is not taken";
    ASSERT_TRUE(await_name(bus.address(), first_name, false, 10s)) << "the old name is kept";
    EXPECT_EQ(ready_count(bus.address(), second_name), "u 1")
        << "the same connection serves under the new name, its worker still ready";
    EXPECT_NE(broker.log().find("configuration reloaded; applied: dbus.name"), std::string::npos)
        << broker.log();
    EXPECT_EQ(broker.log().find("needs a restart"), std::string::npos) << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(ADbusReload, OfTheBusLeavesTheOldBusWithItsWorkersAndJoinsTheNewOne) {
    PrivateBus other;
    auto& broker = start_with(bus.address(), first_name);
    ASSERT_TRUE(await_name(bus.address(), first_name, true, 10s)) << "not on the bus";
    auto worker = ready_over_dbus(bus.address(), first_name, "web-1");
    ASSERT_TRUE(worker) << "the D-Bus worker's Ready failed";
    EXPECT_EQ(ready_count(bus.address(), first_name), "u 1");

    reload_with(broker, other.address(), first_name);
    ASSERT_TRUE(await_name(other.address(), first_name, true, 10s)) << "the new bus is not joined";
    ASSERT_TRUE(await_name(bus.address(), first_name, false, 10s)) << "the old bus is kept";
    EXPECT_EQ(ready_count(other.address(), first_name), "u 0")
        << "the old bus's D-Bus worker is gone with its connection";
    EXPECT_NE(broker.log().find("configuration reloaded; applied: dbus.bus"), std::string::npos)
        << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
