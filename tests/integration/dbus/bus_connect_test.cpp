// BusService's connect attempt on a bus daemon that does not answer (SIGSTOP):
// the attempt is bounded, counts as a failure, and the retry that follows
// waits for the abandoned attempt's thread (one attempt at a time) before it
// connects once the daemon answers again. A real private dbus-daemon, the
// service on a test loop.

#include "dbus/bus_service.hpp"
#include "private_bus.hpp"
#include "test_loop.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

bool logged(const std::vector<std::string>& log, const std::string& text) {
    return std::any_of(log.begin(), log.end(), [&](const std::string& line) {
        return line.find(text) != std::string::npos;
    });
}

TEST(AConnectAttempt, ThatTheBusDoesNotAnswerInTimeFailsAndIsRetriedUntilItAnswers) {
    PrivateBus bus;
    bus.pause();
    TestLoop loop;
    core::Broker broker(core::BrokerConfig{}, core::UpstreamContext{},
                        std::chrono::steady_clock::now());
    std::vector<std::string> log;
    dbus::BusHooks hooks;
    hooks.now = [] {
        return std::chrono::steady_clock::now();
    };
    hooks.after_change = [] {
    };
    hooks.log = [&](daemon::LogLevel, std::string_view text) {
        log.emplace_back(text);
    };
    hooks.connect_timeout = 500ms;
    daemon::BusSettings settings;
    settings.bus = bus.path_address();
    settings.name = "org.notifybroker.ConnectTest1";
    auto service = std::make_unique<dbus::BusService>(loop.get(), broker, settings, hooks);

    // The loop runs on (these waits are its turns) while the attempt hangs.
    ASSERT_TRUE(
        loop.run_until([&] { return logged(log, "no answer from the bus within 500 ms"); }, 5s))
        << (log.empty() ? "nothing logged" : log.back());
    EXPECT_NE(log.front().find("cannot serve org.notifybroker.ConnectTest1"), std::string::npos)
        << log.front();
    EXPECT_FALSE(service->connected());

    bus.resume();
    ASSERT_TRUE(loop.run_until([&] { return service->connected(); }, 20s))
        << "not connected once the bus answered: " << log.back();
    EXPECT_TRUE(logged(log, "D-Bus: org.notifybroker.ConnectTest1 on the"));
    service.reset();
    EXPECT_EQ(loop.drain_and_close(), 0);
}

} // namespace
} // namespace nb::test
