// The broker's upstream when systemd does not take what it sends: a notify
// socket whose queue is full (PID 1 busy in a long daemon-reload) and one that
// is not there yet (PID 1 re-executing). The real notify-brokerd on a private
// dbus-daemon; its workers are real processes, D-Bus calls go through busctl.

#include "latencies.hpp"
#include "private_bus.hpp"
#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <nb/test/child_process.hpp>
#include <nb/test/fd.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* bus_name = "org.notifybroker.StallTest1";
constexpr const char* filler = "X_FILLER=1";

sockaddr_un unix_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(),
                std::min(path.size(), sizeof(address.sun_path) - 1));
    return address;
}

/// Fills the receiver's datagram queue from a socket of our own until the
/// kernel says it is full (EAGAIN), whatever net.unix.max_dgram_qlen is here.
/// Returns how many datagrams it took.
int fill_queue(const std::string& path) {
    Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const auto address = unix_address(path);
    if (!fd ||
        ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        return -1;
    }
    for (int sent = 0; sent < 100'000; ++sent) {
        if (::send(fd.get(), filler, std::strlen(filler), MSG_DONTWAIT) < 0) {
            return errno == EAGAIN ? sent : -1;
        }
    }
    return -1;
}

/// A socket bound at path and closed again without unlinking: what PID 1's
/// notify socket is while it re-executes (connect() gets ECONNREFUSED).
void leave_stale_socket(const std::string& path) {
    Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const auto address = unix_address(path);
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
        << std::strerror(errno);
}

class AStalledUpstream : public BrokerTest {
protected:
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

    PrivateBus bus;
};

TEST_F(AStalledUpstream, ServesWorkersAndDbusForTenSecondsThenGetsTheRightSequenceAndNothingStale) {
    BrokerOptions options;
    options.args = {"--bus=" + bus.address(),
                    std::string("--bus-name=") + bus_name,
                    "--expect",
                    "2",
                    "--status-interval",
                    "1ms"};
    options.env["WATCHDOG_USEC"] = "6000000"; // a ping every 3 s: three of them in the stall
    auto& broker = start_broker(options);
    auto first = start_worker(broker.socket_path(), {"X_WORKER=a\nREADY=1"});
    ASSERT_TRUE(first.wait_sent());
    ASSERT_TRUE(upstream_.wait_for_line("STATUS=1/2 workers ready", 5s));
    ASSERT_TRUE(dbus_call_answered()) << "the broker is not on the bus";
    drain_upstream();

    // PID 1 stops reading: its queue is full, as after a long daemon-reload.
    const int taken = fill_queue(upstream_.path());
    ASSERT_GT(taken, 0) << "could not fill the upstream's queue";

    // While it stalls: the pool becomes ready, the broker reloads, the
    // watchdog is due, STATUS changes; workers and D-Bus callers are served.
    auto second = start_worker(broker.socket_path(), {"X_WORKER=b\nREADY=1"});
    ASSERT_TRUE(second.wait_sent(5s)) << "a worker's READY=1 was not served during the stall";
    broker.signal(SIGHUP); // RELOADING=1, then READY=1 again
    Latencies barriers;
    Latencies calls;
    const auto stall_end = Clock::now() + 10s;
    int round = 0;
    while (Clock::now() < stall_end) {
        auto start = Clock::now();
        ASSERT_TRUE(barrier(broker.socket_path()))
            << "a worker's datagram was not served " << round << " rounds into the stall";
        barriers.add(Clock::now() - start);
        if (round % 10 == 0) {
            start = Clock::now();
            ASSERT_TRUE(dbus_call_answered()) << "a D-Bus call was not served during the stall";
            calls.add(Clock::now() - start);
        }
        ++round;
    }
    std::cout << "during a 10 s upstream stall: " << barriers.ms.size()
              << " worker datagram+barrier round trips, median " << barriers.median() << " ms, max "
              << barriers.max() << " ms; " << calls.ms.size() << " D-Bus calls (busctl), median "
              << calls.median() << " ms, max " << calls.max() << " ms\n";
    EXPECT_LT(barriers.max(), 1000.0);

    // PID 1 reads again: first what filled its queue, then the broker's queue.
    std::vector<std::string> received;
    // The broker's queue goes at once; 300 ms of quiet ends it (the next ping is seconds away).
    while (auto datagram = upstream_.next(received.empty() ? 5000ms : 300ms)) {
        if (*datagram != filler) {
            received.push_back(*datagram);
        }
    }
    std::string all;
    for (const auto& d : received) {
        all += "[" + printable(d) + "] ";
    }
    std::vector<std::string> lifecycle;
    std::size_t statuses = 0;
    std::size_t pings = 0;
    for (const auto& d : received) {
        int changes = 0;
        for (const char* line : {"READY=1", "RELOADING=1", "STOPPING=1"}) {
            if (has_line(d, line)) {
                lifecycle.emplace_back(line);
                ++changes;
            }
        }
        EXPECT_LE(changes, 1) << "two state changes in one datagram: " << all;
        for (const auto& line : lines_of(d)) {
            statuses += line.rfind("STATUS=", 0) == 0 ? 1 : 0;
        }
        pings += has_line(d, "WATCHDOG=1") ? 1 : 0;
    }
    EXPECT_EQ(lifecycle, (std::vector<std::string>{"READY=1", "RELOADING=1", "READY=1"})) << all;
    EXPECT_EQ(statuses, 1U) << "stale STATUS sent after the stall: " << all;
    EXPECT_LE(pings, 1U) << "more than one pending WATCHDOG=1: " << all;
    // The one STATUS that went is the newest: the pool as it is now.
    EXPECT_NE(all.find("STATUS=2/2 workers ready"), std::string::npos) << all;
    EXPECT_NE(broker.log().find("reads again after"), std::string::npos);

    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    expect_clean_exits(first, second);
}

using AMissingUpstream = BrokerTest;

TEST_F(AMissingUpstream, GetsTheReadyItMissedOnceItIsThere) {
    // PID 1 re-executing: its socket file is there, nobody receives on it.
    const std::string late_path = dir_.file("late-notify.sock");
    leave_stale_socket(late_path);
    BrokerOptions options;
    options.args = {"--expect", "1"};
    options.env["NOTIFY_SOCKET"] = late_path;
    options.wait_until_listening = false; // nothing can reach this test's receiver
    // Activated: the socket exists before the broker runs, so the worker can report at once.
    ActivatedSocket socket(dir_.file("activated.sock"));
    auto& broker = start_broker_on(socket, options);
    socket.close();
    auto worker = start_worker(socket.path(), {"READY=1"});
    ASSERT_TRUE(worker.wait_sent()) << "the broker did not serve its worker";
    ::unlink(late_path.c_str());

    UpstreamReceiver late(late_path); // PID 1 is back
    const auto ready = late.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready) << "the READY=1 sent while upstream was missing was lost";
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
    EXPECT_NE(broker.log().find("retrying"), std::string::npos);
    expect_clean_exits(worker); // first: an activated broker waits for its workers
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_TRUE(late.wait_for_line("STOPPING=1", 5s));
    EXPECT_EQ(late.count_line("READY=1"), 1U);
}

TEST_F(AMissingUpstream, ReachesANewReceiverAtTheSameAddressAfterTheOldOneWentAway) {
    const std::string path = dir_.file("pid1-notify.sock");
    auto before = std::make_unique<UpstreamReceiver>(path);
    BrokerOptions options;
    options.args = {"--expect", "2", "--status-interval", "1ms"};
    broker_ = std::make_unique<BrokerProcess>(dir_, *before, options); // its log on failure
    auto& broker = *broker_;
    auto first = start_worker(broker.socket_path(), {"X_WORKER=a\nREADY=1"});
    ASSERT_TRUE(first.wait_sent());
    ASSERT_TRUE(before->wait_for_line("STATUS=1/2 workers ready", 5s));

    before.reset(); // PID 1 re-executes: a new socket at the same path
    UpstreamReceiver after(path);
    auto second = start_worker(broker.socket_path(), {"X_WORKER=b\nREADY=1"});
    ASSERT_TRUE(second.wait_sent());
    const auto ready = after.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready) << "nothing reached the new receiver";
    EXPECT_TRUE(has_line(*ready, "STATUS=2/2 workers ready")) << printable(*ready);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_TRUE(after.wait_for_line("STOPPING=1", 5s));
    expect_clean_exits(first, second);
}

} // namespace
} // namespace nb::test
