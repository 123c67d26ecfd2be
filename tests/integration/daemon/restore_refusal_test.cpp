// What a restarted notify-brokerd does not restore (the fixture:
// support/broker_restart_test.hpp): a worker that exited while no broker ran,
// one whose pid another process now has, one the current [[allow]] rules no
// longer admit, and fd store entries that are foreign, broken or unsealed
// (logged, ignored and closed).

#include "support/broker_restart_test.hpp"
#include "support/pidfd_identity.hpp"

#include <gtest/gtest.h>

#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

TEST_F(BrokerRestart, AWorkerThatExitedWhileNoBrokerRanIsNotRestored) {
    run_first_broker_and_kill_it();
    workers_[3].close_stdin();
    ASSERT_EQ(workers_[3].wait_exit_code(5s), 0);

    auto& second = restart_broker();
    ASSERT_NO_FATAL_FAILURE(expect_first_report(false, "3/4 workers ready"));
    release_workers();
    EXPECT_EQ(second.terminate(), 0);
    EXPECT_NE(second.log().find("not restoring worker web-4"), std::string::npos) << second.log();
}

TEST_F(BrokerRestart, APidNowUsedByAnotherProcessIsNotTakenForTheWorker) {
    auto real = start_worker(path_, {});
    auto impostor = start_worker(path_, {});
    ASSERT_TRUE(real.wait_sent());
    ASSERT_TRUE(impostor.wait_sent());
    core::StateSnapshot snapshot;
    snapshot.sequence = 7;
    core::WorkerRecord worker = ready_worker("web-1", real.pid());
    worker.process_identity = pidfd_inode(real.pid());
    snapshot.workers.push_back(worker);
    worker = ready_worker("web-2", impostor.pid());
    worker.process_identity = pidfd_inode(impostor.pid()) + 1; // another process once had it
    snapshot.workers.push_back(worker);
    const int memfd = memfd_with(core::encode_snapshot(snapshot), true);
    ASSERT_GE(memfd, 0);

    auto& broker = start_broker(options({{"notify", socket_fd_}, {"nb-state.1", memfd}}));
    ::close(memfd);
    const auto first = store_.next(5s);
    ASSERT_TRUE(first);
    EXPECT_TRUE(status_starts_with(*first, "1/4 workers ready")) << printable(*first);
    real.close_stdin();
    impostor.close_stdin();
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_NE(broker.log().find("not restoring worker web-2 (pid " +
                                std::to_string(impostor.pid()) + "): pid reused"),
              std::string::npos)
        << broker.log();
}

TEST_F(BrokerRestart, AWorkerTheCurrentRulesNoLongerAdmitIsNotRestored) {
    // The config was edited while the broker was down: web-2's name is no
    // longer one its sender may claim.
    run_first_broker_and_kill_it();
    auto restarted = options(store_.listen_fds(socket_fd_));
    restarted.config = std::string(restart_pool_config) +
                       "[[allow]]\nuid = 0\nnames = [\"web-1\", \"web-3\", \"web-4\", \"gap*\"]\n";
    auto& second = start_broker(restarted);
    ASSERT_NO_FATAL_FAILURE(expect_first_report(false, "3/4 workers ready"));
    release_workers();
    EXPECT_EQ(second.terminate(), 0);
    EXPECT_NE(second.log().find("not restoring worker web-2 (pid " +
                                std::to_string(workers_[1].pid()) +
                                "): the current [[allow]] rules"),
              std::string::npos)
        << second.log();
}

TEST_F(BrokerRestart, AForeignBrokenOrUnsealedStateIsLoggedIgnoredAndClosed) {
    auto worker = start_worker(path_, {});
    ASSERT_TRUE(worker.wait_sent());
    core::StateSnapshot snapshot;
    snapshot.sequence = 9;
    snapshot.workers.push_back(ready_worker("web-1", worker.pid()));
    std::string truncated = core::encode_snapshot(snapshot);
    truncated.resize(truncated.size() - 3);
    const int unsealed = memfd_with(core::encode_snapshot(snapshot), false);
    const int broken = memfd_with(truncated, true);
    const int stranger = ::memfd_create("stranger-fd", MFD_CLOEXEC);
    ASSERT_GE(unsealed, 0);
    ASSERT_GE(broken, 0);

    auto& broker = start_broker(options({{"notify", socket_fd_},
                                         {"nb-state.0", unsealed},
                                         {"nb-state.1", broken},
                                         {"something-else", stranger}}));
    ::close(unsealed);
    ::close(broken);
    ::close(stranger);
    ASSERT_NO_FATAL_FAILURE(expect_first_report(false, "0/4 workers ready"));
    const std::string fds = broker.fd_listing();
    EXPECT_EQ(fds.find("test-state"), std::string::npos) << fds;
    EXPECT_EQ(fds.find("stranger-fd"), std::string::npos) << fds;
    worker.close_stdin();
    EXPECT_EQ(broker.terminate(), 0);
    const std::string log = broker.log();
    EXPECT_NE(log.find("ignoring fd store entry nb-state.0: memfd not sealed"), std::string::npos)
        << log;
    EXPECT_NE(log.find("ignoring fd store entry nb-state.1: state snapshot"), std::string::npos)
        << log;
    EXPECT_NE(log.find("closing unexpected passed fd named 'something-else'"), std::string::npos)
        << log;
}

} // namespace
} // namespace nb::test
