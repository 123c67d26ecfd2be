// Every fd the broker spends on a sender is bounded by max_workers: a sender the
// core does not track costs no pidfd, a process walking units costs no cgroup
// fd per unit, and running out of fds never declares a live worker gone.

#include "support/broker_test.hpp"
#include "support/unit_cgroup.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

const std::string ten_workers = "[broker]\nmax_workers = 10\n\n"
                                "[[group]]\nname = \"pool\"\nexpect = 1\n\n"
                                "[[allow]]\nuid = 0\n";

using ResourceBounds = BrokerTest;

TEST_F(ResourceBounds, LiveSendersSayingStoppingBeforeHelloHoldNoPidfds) {
    BrokerOptions options;
    options.config = ten_workers;
    auto& broker = start_broker(options);
    const std::size_t before = broker.fd_count();

    // 300 processes, alive, each saying goodbye without ever saying hello: the
    // core tracks none of them, so none is worth a pidfd.
    std::vector<Worker> senders;
    senders.reserve(300);
    for (int i = 0; i < 300; ++i) {
        senders.push_back(start_worker(broker.socket_path(), {"STOPPING=1"}));
    }
    for (auto& sender : senders) {
        ASSERT_TRUE(sender.wait_sent());
    }
    EXPECT_LE(broker.fd_count(), before + 2) << broker.fd_listing();
    for (auto& sender : senders) {
        expect_clean_exits(sender);
    }
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(ResourceBounds, AProcessWalkingTwoHundredUnitsHoldsNoCgroupFdPerUnit) {
    constexpr int units = 200;
    std::vector<std::unique_ptr<TestCgroup>> cgroups;
    for (int i = 0; i < units; ++i) {
        cgroups.push_back(std::make_unique<TestCgroup>("u" + std::to_string(i) + ".service"));
        ASSERT_TRUE(cgroups.back()->usable()) << "cannot create a cgroup under " << cgroup2_mount()
                                              << " (this test needs root and a writable cgroup2)";
    }
    BrokerOptions options;
    options.config = ten_workers;
    options.args = {"--socket-mode", "0666"};
    auto& broker = start_broker(options);
    const std::size_t before = broker.fd_count();

    int done[2];
    ASSERT_EQ(::pipe(done), 0);
    auto walker = ChildProcess::fork(
        [&] {
            ::close(done[0]);
            for (const auto& cgroup : cgroups) {
                if (!cgroup->enter() || !send_with_barrier(broker.socket_path(), {"READY=1"})) {
                    return 1;
                }
                // Someone else speaks in between (a refused nobody), as on a
                // busy socket: the broker reads the walker's unit anew each time.
                auto other = ChildProcess::fork([&] {
                    if (::setresgid(65534, 65534, 65534) != 0 ||
                        ::setresuid(65534, 65534, 65534) != 0) {
                        return 2;
                    }
                    return send_with_barrier(broker.socket_path(), {"STATUS=hello"}) ? 0 : 1;
                });
                if (other.wait_exit_code(5s) != 0) {
                    return 1;
                }
            }
            const char byte = 'x';
            if (::write(done[1], &byte, 1) != 1) {
                return 1;
            }
            ::pause(); // alive, in the last unit, until the test ends it
            return 0;
        },
        {});
    ::close(done[1]);
    char byte = 0;
    ASSERT_EQ(::read(done[0], &byte, 1), 1) << "the walker failed";
    ::close(done[0]);
    // Each unit the walker reports from may be a worker of its own, up to
    // max_workers (10): a cgroup fd for each of those at most, not one per unit.
    EXPECT_LE(broker.fd_count(), before + 10 + 2) << broker.fd_listing();
    walker.signal(SIGKILL);
    (void)walker.wait_exit_code(5s);
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(ResourceBounds, AWorkerTheBrokerHasNoFdLeftToWatchStaysReady) {
    // The broker at its fd limit: the last worker's SCM_PIDFD cannot be
    // installed and no pidfd_open() can pin it. It is still a live worker.
    BrokerOptions options;
    options.open_files_limit = 40;
    options.args = {"--status-interval", "1ms"};
    options.config = "[[group]]\nname = \"pool\"\nexpect = 40\n\n[[allow]]\nuid = 0\n";
    auto& broker = start_broker(options);
    std::vector<Worker> workers;
    const std::string kept = "kept, watched on its next message";
    for (int i = 0; i < 40 && broker.log().find(kept) == std::string::npos; ++i) {
        workers.push_back(
            start_worker(broker.socket_path(), {"X_WORKER=w-" + std::to_string(i) + "\nREADY=1"}));
        ASSERT_TRUE(workers.back().wait_sent()) << "worker " << i;
        drain_upstream(); // the broker's upstream must never fill
    }
    ASSERT_NE(broker.log().find(kept), std::string::npos)
        << "no worker came when the fds were gone: " << broker.fd_listing();
    std::this_thread::sleep_for(200ms); // an exit would be upstream by now
    drain_upstream();
    // The most workers ever ready is what the pool still says: nobody alive
    // was declared gone (before, the unwatched one was gone right after READY).
    const auto ready_of = [](const std::string& datagram) {
        const auto at = datagram.find("STATUS=");
        return at == std::string::npos ? -1 : std::atoi(datagram.c_str() + at + 7);
    };
    int most = -1;
    for (const auto& datagram : upstream_.history()) {
        most = std::max(most, ready_of(datagram));
    }
    const std::string& latest = upstream_.history().back();
    EXPECT_EQ(ready_of(latest), most) << printable(latest);
    EXPECT_EQ(latest.find("gone"), std::string::npos) << printable(latest);
    for (auto& worker : workers) {
        expect_clean_exits(worker);
        drain_upstream();
    }
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
