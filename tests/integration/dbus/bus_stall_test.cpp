// A bus daemon that stops answering (SIGSTOP: its socket still takes
// connections, nothing replies) must not stop the broker (issue 14 point 4):
// the connect, the AddMatch and the RequestName are asynchronous. The real
// notify-brokerd on a private dbus-daemon, paused before the broker starts and
// while it reconnects after losing the bus; its workers are real processes.

#include "latencies.hpp"
#include "name_watch.hpp"
#include "private_bus.hpp"
#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <nb/test/child_process.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* bus_name = "org.notifybroker.BusStallTest1";
/// How long the bus daemon stays stopped.
constexpr auto stall = 6s;

class AHungBusDaemon : public BrokerTest {
protected:
    BrokerProcess& start_on_the_bus(int expect) {
        BrokerOptions options;
        options.args = {"--bus=" + bus.path_address(), std::string("--bus-name=") + bus_name,
                        "--expect", std::to_string(expect)};
        options.env["WATCHDOG_USEC"] = "2000000"; // a ping every second
        return start_broker(options);
    }

    /// busctl get-property on the broker; true if it answered within 5 s.
    bool dbus_call_answered() {
        SpawnOptions spawn;
        spawn.output_file = dir_.file("busctl.log");
        auto child = ChildProcess::spawn({"/usr/bin/busctl", "--address=" + bus.address(),
                                          "get-property", bus_name, "/org/notifybroker/Broker1",
                                          "org.notifybroker.Broker1", "ReadyCount"},
                                         spawn);
        return child.wait_exit_code(5s) == 0;
    }

    /// For the whole stall: barrier round trips from this process, one after
    /// the other, and every datagram upstream meanwhile; then SIGCONT.
    void serve_through_the_stall(BrokerProcess& broker, const char* when) {
        Latencies barriers;
        const auto end = Clock::now() + stall;
        while (Clock::now() < end) {
            const auto start = Clock::now();
            ASSERT_TRUE(barrier(broker.socket_path()))
                << "a worker's datagram was not served " << barriers.ms.size()
                << " round trips into the bus stall (" << when << ")";
            barriers.add(Clock::now() - start);
            while (auto datagram = upstream_.next(0ms)) {
                pings_ += has_line(*datagram, "WATCHDOG=1") ? 1 : 0;
            }
        }
        std::cout << "bus daemon stopped for " << stall.count() << " s (" << when
                  << "): " << barriers.ms.size() << " worker barrier round trips, median "
                  << barriers.median() << " ms, max " << barriers.max() << " ms; " << pings_
                  << " WATCHDOG=1 upstream\n";
        EXPECT_LT(barriers.max(), 1000.0);
        EXPECT_GE(pings_, 4) << "the watchdog relay stopped while the bus did not answer";
        bus.resume();
    }

    /// After SIGCONT: the broker owns its name and answers a call.
    void expect_back_on_the_bus() {
        ASSERT_TRUE(await_name(bus.address(), bus_name, true, 30s))
            << "the broker did not take its name once the bus answered again";
        EXPECT_TRUE(dbus_call_answered()) << "the broker does not answer on the bus";
    }

    PrivateBus bus;
    int pings_ = 0;
};

TEST_F(AHungBusDaemon, AtStartLeavesWorkersAndTheWatchdogServedAndIsJoinedOnceItAnswers) {
    bus.pause();
    auto& broker = start_on_the_bus(1);
    auto worker = start_worker(broker.socket_path(), {"X_WORKER=a\nREADY=1"});
    ASSERT_TRUE(worker.wait_sent(5s)) << "a worker's READY=1 was not served";
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s)) << "READY=1 did not reach upstream";
    serve_through_the_stall(broker, "before the broker started");
    expect_back_on_the_bus();
    EXPECT_EQ(broker.terminate(), 0);
    expect_clean_exits(worker);
}

TEST_F(AHungBusDaemon, WhileTheBrokerReconnectsLeavesWorkersAndTheWatchdogServed) {
    auto& broker = start_on_the_bus(2);
    ASSERT_TRUE(await_name(bus.address(), bus_name, true, 10s)) << "the broker is not on the bus";
    auto first = start_worker(broker.socket_path(), {"X_WORKER=a\nREADY=1"});
    ASSERT_TRUE(first.wait_sent(5s));

    // The bus goes away and comes back hung: the broker's first retry (1 s
    // after the loss) connects to a daemon that does not answer.
    bus.stop();
    bus.restart();
    bus.pause();
    auto second = start_worker(broker.socket_path(), {"X_WORKER=b\nREADY=1"});
    ASSERT_TRUE(second.wait_sent(5s)) << "a worker's READY=1 was not served while reconnecting";
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s)) << "READY=1 did not reach upstream";
    serve_through_the_stall(broker, "while the broker reconnected");
    expect_back_on_the_bus();
    EXPECT_EQ(broker.terminate(), 0);
    expect_clean_exits(first, second);
}

} // namespace
} // namespace nb::test
