// Restarts lose nothing: a notify-brokerd killed with SIGKILL leaves its pool's
// state in the fd store (a sealed memfd + the workers' pidfds); the next one,
// given those fds back through LISTEN_FDS with the same activated socket, is
// ready at once without a word from the workers, and processes what they sent
// while no broker ran. The store here follows systemd 252's rules
// (support/fd_store_upstream.hpp); tests/e2e/broker_restart_test.sh does the
// same under the real systemd.

#include "core/state_codec.hpp"
#include "support/activated_socket.hpp"
#include "support/broker_test.hpp"
#include "support/fd_store_upstream.hpp"
#include "support/worker.hpp"

#include <nb/client/notifier.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <memory>
#include <optional>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* pool_config = R"(
[broker]
status_interval = "50ms"
[[group]]
name = "web"
expect = 4
match = ["web-*"]
[[group]]
name = "probes"
expect = 1
required = false
match = ["gap*"]
)";

std::optional<std::string> status_of(const std::string& datagram) {
    for (const auto& line : lines_of(datagram)) {
        if (line.starts_with("STATUS=")) {
            return line.substr(7);
        }
    }
    return std::nullopt;
}

bool status_starts_with(const std::string& datagram, const std::string& prefix) {
    const auto status = status_of(datagram);
    return status && status->starts_with(prefix);
}

std::optional<core::StateSnapshot> read_state(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return std::nullopt;
    }
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    if (::pread(fd, bytes.data(), bytes.size(), 0) != st.st_size) {
        return std::nullopt;
    }
    auto snapshot = core::decode_snapshot(bytes);
    return snapshot ? std::optional<core::StateSnapshot>(std::move(snapshot.value()))
                    : std::nullopt;
}

/// The newest snapshot in the store.
std::optional<core::StateSnapshot> newest_state(const FdStoreUpstream& store) {
    std::optional<core::StateSnapshot> newest;
    for (const auto& entry : store.store()) {
        if (entry.name.starts_with("nb-state.")) {
            auto snapshot = read_state(entry.fd);
            if (snapshot && (!newest || snapshot->sequence > newest->sequence)) {
                newest = std::move(snapshot);
            }
        }
    }
    return newest;
}

std::size_t ready_in(const core::StateSnapshot& snapshot) {
    std::size_t ready = 0;
    for (const auto& worker : snapshot.workers) {
        ready += worker.state == core::WorkerState::ready ? 1 : 0;
    }
    return ready;
}

/// A sealed memfd holding bytes, as the broker stores its state.
int memfd_with(const std::string& bytes, bool sealed) {
    const int fd = ::memfd_create("test-state", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
        return -1;
    }
    if (sealed) {
        ::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    }
    return fd;
}

std::uint64_t pidfs_inode(pid_t pid) {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    struct stat st {};
    const bool ok = pidfd >= 0 && ::fstat(pidfd, &st) == 0;
    ::close(pidfd);
    return ok ? st.st_ino : 0;
}

class BrokerRestart : public BrokerTest {
protected:
    void SetUp() override {
        socket_fd_ = bound_socket(path_);
        ASSERT_GE(socket_fd_, 0);
    }
    void TearDown() override {
        BrokerTest::TearDown();
        if (HasFailure() && first_) {
            std::cerr << "---- the first notify-brokerd's log ----\n" << first_->log();
        }
        ::close(socket_fd_);
    }

    BrokerOptions options(std::vector<std::pair<std::string, int>> fds, unsigned capacity = 16) {
        BrokerOptions options;
        options.config = pool_config;
        options.named_listen_fds = std::move(fds);
        options.env["NOTIFY_SOCKET"] = store_.path();
        options.env["FDSTORE"] =
            capacity == 0 ? std::nullopt : std::optional<std::string>(std::to_string(capacity));
        options.wait_until_listening = false;
        return options;
    }

    /// A first broker whose four workers are ready, its state saved with them
    /// all, then killed with SIGKILL.
    void run_first_broker_and_kill_it(unsigned capacity = 16) {
        first_ = std::make_unique<BrokerProcess>(dir_, upstream_,
                                                 options({{"notify", socket_fd_}}, capacity));
        for (unsigned n = 1; n <= 4; ++n) {
            workers_.push_back(start_worker(
                path_, {"X_WORKER=web-" + std::to_string(n) + "\nREADY=1\nSTATUS=serving"}));
        }
        for (auto& worker : workers_) {
            ASSERT_TRUE(worker.wait_sent());
        }
        ASSERT_TRUE(
            store_.wait_for([](const std::string& d) { return has_line(d, "READY=1"); }, 5s));
        const bool saved = store_
                               .wait_for(
                                   [&](const std::string&) {
                                       const auto state = newest_state(store_);
                                       return state && ready_in(*state) == 4;
                                   },
                                   5s)
                               .has_value();
        ASSERT_TRUE(saved) << "no state with four ready workers in the store";
        first_->signal(SIGKILL);
        ASSERT_EQ(first_->wait_exit_code(5s), -SIGKILL);
        while (store_.next(0ms)) {
        }
        seen_ = store_.history().size();
    }

    /// Lets the pool's workers exit (a stopping broker on an activated socket
    /// waits for the processes it watches).
    void release_workers() {
        for (auto& worker : workers_) {
            worker.close_stdin(); // some have exited already: no exit code to check
            (void)worker.wait_exit_code(5s);
        }
    }

    /// The second broker's datagrams so far.
    std::vector<std::string> since_restart() const {
        return {store_.history().begin() + static_cast<long>(seen_), store_.history().end()};
    }

    const std::string path_ = dir_.file("notify.sock");
    int socket_fd_ = -1;
    FdStoreUpstream store_{dir_.file("systemd-notify.sock"), 16};
    std::unique_ptr<BrokerProcess> first_;
    std::vector<Worker> workers_;
    std::size_t seen_ = 0;
};

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

    auto& second = start_broker(options(store_.listen_fds(socket_fd_)));
    const auto first = store_.next(5s);
    ASSERT_TRUE(first) << "the restarted broker said nothing";
    EXPECT_TRUE(has_line(*first, "READY=1")) << printable(*first);
    EXPECT_TRUE(status_starts_with(*first, "4/4 workers ready")) << printable(*first);

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
    first_ = std::make_unique<BrokerProcess>(dir_, upstream_, options({{"notify", socket_fd_}}));
    std::vector<std::string> messages;
    for (unsigned n = 1; n <= 4; ++n) {
        messages.push_back("X_WORKER=web-" + std::to_string(n) + "\nREADY=1");
    }
    workers_.push_back(start_worker(path_, messages)); // one pid, four workers (issue 13)
    ASSERT_TRUE(workers_.front().wait_sent());
    ASSERT_TRUE(store_.wait_for(
        [&](const std::string&) {
            const auto state = newest_state(store_);
            return state && ready_in(*state) == 4;
        },
        5s));
    first_->signal(SIGKILL);
    ASSERT_EQ(first_->wait_exit_code(5s), -SIGKILL);
    while (store_.next(0ms)) {
    }
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 1U);

    auto& second = start_broker(options(store_.listen_fds(socket_fd_)));
    const auto first = store_.next(5s);
    ASSERT_TRUE(first) << "the restarted broker said nothing";
    EXPECT_TRUE(has_line(*first, "READY=1")) << printable(*first);
    EXPECT_TRUE(status_starts_with(*first, "4/4 workers ready")) << printable(*first);
    // Still one process: its exit takes all four.
    workers_.front().close_stdin();
    ASSERT_EQ(workers_.front().wait_exit_code(5s), 0);
    EXPECT_TRUE(
        store_.wait_for([](const std::string& d) { return status_starts_with(d, "0/4"); }, 3s));
    EXPECT_EQ(second.terminate(), 0);
    EXPECT_NE(second.log().find("restored 4 workers from the fd store"), std::string::npos)
        << second.log();
}

TEST_F(BrokerRestart, AWorkerThatExitedWhileNoBrokerRanIsNotRestored) {
    run_first_broker_and_kill_it();
    workers_[3].close_stdin();
    ASSERT_EQ(workers_[3].wait_exit_code(5s), 0);

    auto& second = start_broker(options(store_.listen_fds(socket_fd_)));
    const auto first = store_.next(5s);
    ASSERT_TRUE(first);
    EXPECT_FALSE(has_line(*first, "READY=1")) << printable(*first);
    EXPECT_TRUE(status_starts_with(*first, "3/4 workers ready")) << printable(*first);
    release_workers();
    EXPECT_EQ(second.terminate(), 0);
    EXPECT_NE(second.log().find("not restoring worker web-4"), std::string::npos) << second.log();
}

TEST_F(BrokerRestart, WorkersBeyondTheStoresRoomForPidfdsAreRestoredByPidfsIdentity) {
    // FileDescriptorStoreMax=3: two state slots and one pidfd.
    run_first_broker_and_kill_it(3);
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 1U);
    auto& second = start_broker(options(store_.listen_fds(socket_fd_), 3));
    const auto first = store_.next(5s);
    ASSERT_TRUE(first);
    EXPECT_TRUE(has_line(*first, "READY=1")) << printable(*first);
    EXPECT_TRUE(status_starts_with(*first, "4/4 workers ready")) << printable(*first);
    release_workers();
    EXPECT_EQ(second.terminate(), 0);
}

TEST_F(BrokerRestart, APidNowUsedByAnotherProcessIsNotTakenForTheWorker) {
    auto real = start_worker(path_, {});
    auto impostor = start_worker(path_, {});
    ASSERT_TRUE(real.wait_sent());
    ASSERT_TRUE(impostor.wait_sent());
    core::StateSnapshot snapshot;
    snapshot.sequence = 7;
    core::WorkerRecord worker;
    worker.name = "web-1";
    worker.state = core::WorkerState::ready;
    worker.pid = real.pid();
    worker.process_identity = pidfs_inode(real.pid());
    snapshot.workers.push_back(worker);
    worker.name = "web-2";
    worker.pid = impostor.pid();
    worker.process_identity = pidfs_inode(impostor.pid()) + 1; // another process once had it
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
    restarted.config = std::string(pool_config) +
                       "[[allow]]\nuid = 0\nnames = [\"web-1\", \"web-3\", \"web-4\", \"gap*\"]\n";
    auto& second = start_broker(restarted);
    const auto first = store_.next(5s);
    ASSERT_TRUE(first);
    EXPECT_FALSE(has_line(*first, "READY=1")) << printable(*first);
    EXPECT_TRUE(status_starts_with(*first, "3/4 workers ready")) << printable(*first);
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
    core::WorkerRecord record;
    record.name = "web-1";
    record.pid = worker.pid();
    record.state = core::WorkerState::ready;
    snapshot.workers.push_back(record);
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
    const auto first = store_.next(5s);
    ASSERT_TRUE(first);
    EXPECT_FALSE(has_line(*first, "READY=1")) << printable(*first);
    EXPECT_TRUE(status_starts_with(*first, "0/4 workers ready")) << printable(*first);
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

TEST_F(BrokerRestart, TheStoreFollowsThePoolPidfdsOfDepartedWorkersAreRemoved) {
    first_ = std::make_unique<BrokerProcess>(dir_, upstream_, options({{"notify", socket_fd_}}));
    auto one = start_worker(path_, {"X_WORKER=web-1\nREADY=1"});
    auto two = start_worker(path_, {"X_WORKER=web-2\nREADY=1"});
    ASSERT_TRUE(one.wait_sent());
    ASSERT_TRUE(two.wait_sent());
    ASSERT_TRUE(store_.wait_for(
        [&](const std::string&) { return store_.count_named("nb-pidfd-") == 2; }, 5s));
    one.close_stdin();
    ASSERT_EQ(one.wait_exit_code(5s), 0);
    const std::string removal = "FDSTOREREMOVE=1\nFDNAME=nb-pidfd-" + std::to_string(one.pid());
    ASSERT_TRUE(store_.wait_for([&](const std::string& d) { return d == removal; }, 5s));
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 1U);
    EXPECT_EQ(store_.count_named("nb-pidfd-" + std::to_string(two.pid())), 1U);
    // One or two state slots, never more: the older is removed before each save.
    EXPECT_GE(store_.count_named("nb-state."), 1U);
    EXPECT_LE(store_.count_named("nb-state."), 2U);
    expect_clean_exits(two);
    EXPECT_EQ(first_->terminate(), 0);
}

TEST_F(BrokerRestart, WithoutAnFdStoreTheBrokerStoresNothing) {
    auto& broker = start_broker(options({{"notify", socket_fd_}}, 0));
    auto worker = start_worker(path_, {"X_WORKER=web-1\nREADY=1"});
    ASSERT_TRUE(worker.wait_sent());
    // A save would follow within 100 ms of the change.
    while (store_.next(500ms)) {
    }
    for (const auto& datagram : store_.history()) {
        EXPECT_EQ(datagram.find("FDSTORE"), std::string::npos) << printable(datagram);
    }
    EXPECT_TRUE(store_.store().empty());
    worker.close_stdin();
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
