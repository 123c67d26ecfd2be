// A worker's name belongs to the live process that holds it (issue 11, findings 3
// and 4): another process claiming it is dropped as name-held while the holder
// lives; a restart (the old process exits, the new one claims the name at once)
// still works; and a worker that follows its unit is not bound to the pid of the
// short-lived command that reported for it. A real notify-brokerd.

#include "support/broker_test.hpp"
#include "support/unit_cgroup.hpp"
#include "support/worker.hpp"

#include <nb/client/notifier.hpp>
#include <nb/test/child_process.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// Waits until /proc/PID/stat says the process is stopped (SIGSTOP delivered).
bool wait_stopped(pid_t pid) {
    for (int i = 0; i < 500; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string all;
        std::getline(stat, all);
        const auto close_paren = all.rfind(')');
        if (close_paren != std::string::npos && close_paren + 2 < all.size() &&
            all[close_paren + 2] == 'T') {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

using NameHolding = BrokerTest;

TEST_F(NameHolding, ASecondLiveProcessClaimingAWorkersNameIsDroppedAndTheHolderKeepsIt) {
    BrokerOptions options;
    options.args = {"--status-interval", "1ms"};
    options.config = "[[group]]\nname = \"web\"\nexpect = 1\nwatchdog = \"500ms\"\n";
    auto& broker = start_broker(options);
    const std::string go = dir_.file("go");
    // web-1: ready; once told, pings for 1.2 s (its watchdog is 500 ms), then
    // a status, then it exits.
    auto holder = ChildProcess::fork([&] {
        client::Notifier notifier(broker.socket_path());
        if (!notifier.notify("X_WORKER=web-1\nREADY=1").sent() || !notifier.barrier(5s).sent()) {
            return 1;
        }
        for (int i = 0; i < 1000 && !std::filesystem::exists(go); ++i) {
            std::this_thread::sleep_for(10ms);
        }
        for (int i = 0; i < 12; ++i) {
            if (!notifier.notify("WATCHDOG=1").sent()) {
                return 1;
            }
            std::this_thread::sleep_for(100ms);
        }
        return notifier.notify("STATUS=still mine").sent() && notifier.barrier(5s).sent() ? 0 : 1;
    });
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));

    // Another live process claims the name.
    auto intruder = start_worker(broker.socket_path(), {"X_WORKER=web-1\nSTATUS=stolen"});
    ASSERT_TRUE(intruder.wait_sent());
    std::ofstream(go) << "go";
    ASSERT_EQ(holder.wait_exit_code(10s), 0);

    // The holder's exit is web-1's: its status, and nobody else's, goes with it.
    const auto gone = upstream_.wait_for(
        [](const std::string& d) { return contains(d, "web-1 gone (still mine)"); }, 5s);
    EXPECT_TRUE(gone) << "web-1 was not the holder's any more";
    for (const auto& datagram : upstream_.history()) {
        EXPECT_FALSE(contains(datagram, "stolen")) << datagram;
        EXPECT_FALSE(contains(datagram, "web-1 starting")) << datagram;
        EXPECT_FALSE(contains(datagram, "web-1 late")) << datagram; // its pings counted
    }
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_TRUE(contains(broker.log(), "name-held=1")) << broker.log();
    EXPECT_TRUE(contains(broker.log(), ": name-held: name-held")) << broker.log();
    EXPECT_FALSE(contains(broker.log(), "name-denied")) << broker.log();
    expect_clean_exits(intruder);
}

TEST_F(NameHolding, AWorkerThatRestartsIsTakenBackAtOnceEvenBeforeTheOldExitIsSeen) {
    BrokerOptions options;
    options.args = {"--expect", "1", "--status-interval", "1ms"};
    options.log_level = "debug";
    auto& broker = start_broker(options);
    auto old_process = start_worker(broker.socket_path(), {"X_WORKER=web-1\nREADY=1"});
    ASSERT_TRUE(old_process.wait_sent());
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    auto other = start_worker(broker.socket_path(), {"X_WORKER=other\nSTATUS=here"});
    ASSERT_TRUE(other.wait_sent());

    // While the broker sleeps: a datagram waits in its socket, the old process
    // exits (its pidfd becomes readable after that), then its successor claims
    // the name. On waking, the broker reads the socket before the pidfd's turn.
    broker.signal(SIGSTOP);
    ASSERT_TRUE(wait_stopped(broker.pid()));
    {
        client::Notifier filler(broker.socket_path());
        ASSERT_TRUE(filler.notify("X_WORKER=filler\nSTATUS=queued").sent());
    }
    old_process.close_stdin();
    ASSERT_EQ(old_process.wait_exit_code(5s), 0);
    // The successor stays (a barrier would wait for the sleeping broker).
    SpawnOptions successor_options;
    successor_options.stdin_pipe = true;
    auto successor = ChildProcess::fork(
        [&] {
            client::Notifier notifier(broker.socket_path());
            const bool sent = notifier.notify("X_WORKER=web-1\nSTATUS=restarted").sent();
            char in = 0;
            while (::read(STDIN_FILENO, &in, 1) > 0) {
            }
            return sent ? 0 : 1;
        },
        successor_options);
    std::this_thread::sleep_for(200ms); // its datagram is queued by then
    broker.signal(SIGCONT);

    const auto restarted = upstream_.wait_for(
        [](const std::string& d) { return contains(d, "web-1 starting (restarted)"); }, 5s);
    EXPECT_TRUE(restarted) << "the restarted worker's claim was not taken";
    EXPECT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_FALSE(contains(broker.log(), "name-held=")) << broker.log();
    // The broker read the claim before the old process's pidfd had its turn.
    EXPECT_TRUE(contains(broker.log(), "has exited: its exit first")) << broker.log();
    expect_clean_exits(other, successor);
}

// --- finding 4: a pid reused after a unit worker's short-lived sender --------

/// A child with exactly pid `pid` (clone3 with set_tid: root, pid free), that
/// sends `message` with a barrier, then waits for its stdin pipe to close.
/// Returns the child's pid (== pid) and the pipe's write end, or -1.
std::pair<pid_t, int> fork_with_pid(pid_t pid, const std::string& socket_path,
                                    const std::string& message) {
    int hold[2];
    if (::pipe(hold) != 0) {
        return {-1, -1};
    }
    pid_t tid[1] = {pid};
    clone_args args{};
    args.exit_signal = SIGCHLD;
    args.set_tid = reinterpret_cast<std::uintptr_t>(tid);
    args.set_tid_size = 1;
    const long child = ::syscall(SYS_clone3, &args, sizeof args);
    if (child == 0) {
        // Nothing of the test's (other children's stdin pipes) stays open here.
        ::dup2(hold[0], STDIN_FILENO);
        ::close_range(3, ~0U, 0);
        client::Notifier notifier(socket_path);
        const bool sent = notifier.notify(message).sent() && notifier.barrier(5s).sent();
        char byte = 0;
        while (::read(STDIN_FILENO, &byte, 1) > 0) {
        }
        ::_exit(sent ? 0 : 1);
    }
    ::close(hold[0]);
    if (child < 0) {
        ::close(hold[1]);
        return {-1, -1};
    }
    return {static_cast<pid_t>(child), hold[1]};
}

TEST_F(NameHolding, AStrangerReusingTheDeadSenderPidOfAUnitWorkerIsNotThatWorker) {
    TestCgroup unit("script-x.service");
    if (!unit.usable()) {
        GTEST_SKIP() << "needs root and a writable cgroup2 hierarchy";
    }
    BrokerOptions options;
    options.args = {"--status-interval", "1ms"};
    options.config = "[[group]]\nname = \"scripts\"\nexpect = 1\nmatch = [\"script-*\"]\n\n"
                     "[[group]]\nname = \"web\"\nexpect = 1\nmatch = [\"web-*\"]\n";
    options.log_level = "debug";
    auto& broker = start_broker(options);

    // The unit's long-lived process keeps its cgroup populated.
    auto holder = process_in(unit);
    ASSERT_TRUE(unit.wait_populated());
    // The script's short-lived `notify-broker --ready`, gone at once.
    auto reporter = ChildProcess::fork([&] {
        if (!unit.enter()) {
            return 3;
        }
        client::Notifier notifier(broker.socket_path());
        return notifier.notify("READY=1\nSTATUS=script up").sent() && notifier.barrier(5s).sent()
                   ? 0
                   : 1;
    });
    const pid_t reused = reporter.pid();
    ASSERT_EQ(reporter.wait_exit_code(10s), 0);
    ASSERT_TRUE(upstream_.wait_for_line("STATUS=1/2 workers ready", 5s));

    // A stranger, outside the unit, gets the reporter's pid and names itself.
    const auto [stranger, hold] =
        fork_with_pid(reused, broker.socket_path(), "X_WORKER=web-1\nREADY=1");
    if (stranger != reused) {
        holder.close_stdin();
        GTEST_SKIP() << "cannot create a process with pid " << reused << " (clone3 set_tid)";
    }
    const auto both = upstream_.wait_for_line("READY=1", 5s);
    EXPECT_TRUE(both) << "web-1 did not join the unit's worker: the stranger took it over";

    // The unit empties: its worker is gone, the stranger's web-1 is not.
    holder.close_stdin();
    ASSERT_EQ(holder.wait_exit_code(5s), 0);
    const auto gone = upstream_.wait_for(
        [](const std::string& d) { return contains(d, "script-x.service gone (script up)"); }, 5s);
    EXPECT_TRUE(gone) << "the unit's worker was not marked gone";
    if (gone) {
        EXPECT_TRUE(contains(*gone, "STATUS=1/2 workers ready")) << *gone;
        EXPECT_FALSE(contains(*gone, "web-1 gone")) << *gone;
    }
    ::close(hold);
    int status = 0;
    EXPECT_EQ(::waitpid(stranger, &status, 0), stranger);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
