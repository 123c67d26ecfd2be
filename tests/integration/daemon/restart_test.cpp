// Restarts lose nothing: a notify-brokerd killed with SIGKILL leaves its pool's
// state in the fd store (a sealed memfd + the workers' pidfds); the next one,
// given those fds back through LISTEN_FDS with the same activated socket, is
// ready at once without a word from the workers, and processes what they sent
// while no broker ran. The store here follows systemd 252's rules
// (support/fd_store_upstream.hpp); tests/e2e/broker_restart_test.sh does the
// same under the real systemd. What is not restored: restore_refusal_test.cpp;
// what is stored: fd_store_test.cpp.

#include "support/broker_restart_test.hpp"

#include <nb/client/notifier.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

TEST_F(BrokerRestart, ARestartedBrokerIsReadyAtOnceAndProcessesWhatWasSentInTheGap) {
    run_first_broker_and_kill_it();
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 4U);

    // While no broker runs: 50 datagrams and a barrier queue up on the socket.
    // The sender stays alive (until its stdin closes) so it stays in the table.
    constexpr int gap_datagrams = 50;
    SpawnOptions holding;
    holding.stdin_pipe = true;
    auto gap = ChildProcess::fork(
        [this] {
            client::Notifier notifier(path_);
            for (int i = 1; i <= gap_datagrams; ++i) {
                if (!notifier.notify("X_WORKER=gap\nSTATUS=gap " + std::to_string(i)).sent()) {
                    return 1;
                }
            }
            const bool answered = notifier.barrier(20s).sent();
            char byte = 0;
            while (::read(STDIN_FILENO, &byte, 1) > 0) {
            }
            return answered ? 0 : 2;
        },
        holding);

    auto& second = restart_broker();
    ASSERT_NO_FATAL_FAILURE(expect_first_report(true, "4/4 workers ready"));

    // Its own saves continue the numbering and carry the gap's last word.
    const auto before = newest_state(store_)->sequence;
    ASSERT_TRUE(store_.wait_for(
        [&](const std::string&) {
            const auto state = newest_state(store_);
            if (!state || state->sequence <= before) {
                return false;
            }
            for (const auto& worker : state->workers) {
                if (worker.name == "gap" && worker.status == "gap 50") {
                    return true;
                }
            }
            return false;
        },
        5s));

    gap.close_stdin();
    EXPECT_EQ(gap.wait_exit_code(20s), 0) << "the gap's barrier was not answered";

    // The restored workers are watched: one exits, the pool shows it.
    workers_[1].close_stdin();
    ASSERT_EQ(workers_[1].wait_exit_code(5s), 0);
    EXPECT_TRUE(
        store_.wait_for([](const std::string& d) { return status_starts_with(d, "3/4"); }, 3s));
    release_workers();
    EXPECT_EQ(second.terminate(), 0);
    const std::string log = second.log();
    EXPECT_NE(log.find("restored 4 workers from the fd store"), std::string::npos) << log;
    // 50 + the barrier, and nothing from the workers: they never said READY again.
    EXPECT_NE(log.find("received " + std::to_string(gap_datagrams + 1) + " datagrams"),
              std::string::npos)
        << log;
    for (const auto& datagram : since_restart()) {
        EXPECT_EQ(datagram.find("READY=1"), datagram.rfind("READY=1")) << printable(datagram);
    }
}

TEST_F(BrokerRestart, AProcessSpeakingForFourWorkersGetsAllFourBack) {
    start_first_broker();
    std::vector<std::string> messages;
    for (unsigned n = 1; n <= 4; ++n) {
        messages.push_back("X_WORKER=web-" + std::to_string(n) + "\nREADY=1");
    }
    workers_.push_back(start_worker(path_, messages)); // one pid, four workers (issue 13)
    ASSERT_TRUE(workers_.front().wait_sent());
    ASSERT_TRUE(wait_for_state_with_ready(4));
    ASSERT_NO_FATAL_FAILURE(kill_first_broker());
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 1U);

    auto& second = restart_broker();
    ASSERT_NO_FATAL_FAILURE(expect_first_report(true, "4/4 workers ready"));
    // Still one process: its exit takes all four.
    workers_.front().close_stdin();
    ASSERT_EQ(workers_.front().wait_exit_code(5s), 0);
    EXPECT_TRUE(
        store_.wait_for([](const std::string& d) { return status_starts_with(d, "0/4"); }, 3s));
    EXPECT_EQ(second.terminate(), 0);
    EXPECT_NE(second.log().find("restored 4 workers from the fd store"), std::string::npos)
        << second.log();
}

TEST_F(BrokerRestart, WorkersBeyondTheStoresRoomForPidfdsAreRestoredByPidfsIdentity) {
    // FileDescriptorStoreMax=3: two state slots and one pidfd.
    run_first_broker_and_kill_it(3);
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 1U);
    auto& second = restart_broker(3);
    ASSERT_NO_FATAL_FAILURE(expect_first_report(true, "4/4 workers ready"));
    release_workers();
    EXPECT_EQ(second.terminate(), 0);
}

} // namespace
} // namespace nb::test
