// Issue 13, point 2, with real processes: MAINPIDFD=1 with its one pidfd
// (libsystemd's sd_pid_notify_with_fds()), MAINPIDFDID= beside MAINPID= (what
// systemd-notify 257 --pid sends), and a root sender naming a process that is
// not its ancestor, in a unit the [[allow]] rules admit for the worker or not.
// Where the worker's liveness goes shows in STATUS: "w1 gone" once the process
// it follows has exited.

#include "support/broker_test.hpp"
#include "support/pidfd_identity.hpp"
#include "support/raw_sender.hpp"
#include "support/unit_cgroup.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

SpawnOptions worker_env(const std::string& socket, bool hold) {
    SpawnOptions options;
    options.env["NOTIFY_SOCKET"] = socket;
    options.stdin_pipe = hold;
    return options;
}

bool says_gone(UpstreamReceiver& upstream, std::chrono::milliseconds timeout) {
    return upstream
        .wait_for(
            [](const std::string& datagram) {
                return datagram.find("w1 gone") != std::string::npos;
            },
            timeout)
        .has_value();
}

using MainPidfd = BrokerTest;

TEST_F(MainPidfd, FromLibsystemdWithTheScriptsPidfdMakesTheScriptTheWorkersProcess) {
    auto& broker = start_broker({"--expect", "1"});
    const std::size_t before = broker.fd_count();
    // The sender exits at once; the pidfd it sent names its parent, the script.
    auto script = ChildProcess::spawn(
        {"/bin/sh", "-c",
         "\"$0\" \"$(printf 'X_WORKER=w1\\nREADY=1\\nMAINPIDFD=1')\" pidfd:parent || exit 1; "
         "exec cat >/dev/null",
         NB_SD_PIDFD_WORKER},
        worker_env(broker.socket_path(), true));
    const auto ready = upstream_.wait_for_line("READY=1", 10s);
    ASSERT_TRUE(ready) << broker.log();
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
    EXPECT_FALSE(says_gone(upstream_, 1500ms))
        << "the worker followed the short-lived sender: " << broker.log();
    EXPECT_EQ(broker.log().find("refused key MAINPIDFD"), std::string::npos) << broker.log();
    expect_clean_exits(script);
    EXPECT_TRUE(says_gone(upstream_, 5s)) << "the script's exit did not end the worker";
    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.fd_count(), before) << "the worker's pidfd outlived it:\n"
                                         << broker.fd_listing();
}

TEST_F(MainPidfd, WithAnFdThatIsNoPidfdIsRefusedClosedAndTheRestApplies) {
    auto& broker = start_broker({"--expect", "1"});
    const std::size_t before = broker.fd_count();
    auto worker = ChildProcess::spawn(
        {NB_SD_PIDFD_WORKER, "X_WORKER=w1\nREADY=1\nMAINPIDFD=1", "file", "--hold"},
        worker_env(broker.socket_path(), true));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();
    EXPECT_NE(broker.log().find("refused key MAINPIDFD=1 from pid " + std::to_string(worker.pid()) +
                                " uid 0: its fd is not a pidfd; the rest applies"),
              std::string::npos)
        << broker.log();
    expect_clean_exits(worker);
    EXPECT_TRUE(says_gone(upstream_, 5s)) << "the worker is not the sender's: " << broker.log();
    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.fd_count(), before) << broker.fd_listing();
}

TEST_F(MainPidfd, WithTwoFdsIsRefusedBothClosedAndTheRestApplies) {
    auto& broker = start_broker({"--expect", "1"});
    const std::size_t before = broker.fd_count();
    auto holder = ChildProcess::spawn({"/bin/cat"}, worker_env(broker.socket_path(), true));
    auto worker = ChildProcess::spawn({NB_SD_PIDFD_WORKER, "X_WORKER=w1\nREADY=1\nMAINPIDFD=1",
                                       "pidfd:" + std::to_string(holder.pid()), "pidfd:self"},
                                      worker_env(broker.socket_path(), false));
    EXPECT_EQ(worker.wait_exit_code(5s), 0);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();
    EXPECT_NE(broker.log().find("refused key MAINPIDFD=1 from pid " + std::to_string(worker.pid()) +
                                " uid 0: MAINPIDFD=1 needs exactly one fd, the pidfd; got 2"),
              std::string::npos)
        << broker.log();
    // Bound to the sender, which has exited; not to the process of either pidfd.
    EXPECT_TRUE(says_gone(upstream_, 5s)) << broker.log();
    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.fd_count(), before) << broker.fd_listing();
    expect_clean_exits(holder);
}

/// A child of this process that sends `datagram` (naming this process as its
/// main process) and exits once the broker has applied it.
int send_from_child(const std::string& socket, const std::string& datagram) {
    auto child = ChildProcess::fork([&] {
        RawSender sender(socket);
        return sender.send(datagram) == 0 && barrier(socket) ? 0 : 1;
    });
    return child.wait_exit_code(10s);
}

TEST_F(MainPidfd, MainpidWithAWrongMainpidfdidIsRefusedWithTheRightOneTaken) {
    const auto id = pidfs_id(::getpid());
    if (!id) {
        GTEST_SKIP() << "no pidfs (Linux < 6.9): MAINPIDFDID= is not checked";
    }
    auto& broker = start_broker({"--expect", "2"});
    const std::string self = std::to_string(::getpid());
    ASSERT_EQ(send_from_child(broker.socket_path(), "X_WORKER=w1\nREADY=1\nMAINPID=" + self +
                                                        "\nMAINPIDFDID=" + std::to_string(*id + 1)),
              0);
    EXPECT_NE(broker.log().find("refused key MAINPID=" + self + " from pid "), std::string::npos)
        << broker.log();
    EXPECT_NE(broker.log().find("MAINPIDFDID=" + std::to_string(*id + 1) +
                                " is not the pidfd id of process " + self + " (" +
                                std::to_string(*id) + "): that pid names another process now"),
              std::string::npos)
        << broker.log();
    EXPECT_TRUE(says_gone(upstream_, 5s)) << "w1 should have followed the exited sender";
    // The right id: the worker is this process's, which outlives the sender.
    ASSERT_EQ(send_from_child(broker.socket_path(), "X_WORKER=w2\nREADY=1\nMAINPID=" + self +
                                                        "\nMAINPIDFDID=" + std::to_string(*id)),
              0);
    ASSERT_TRUE(upstream_.wait_for(
        [](const std::string& datagram) {
            return datagram.find("STATUS=1/2 workers ready") != std::string::npos;
        },
        5s))
        << broker.log();
    EXPECT_FALSE(upstream_.wait_for(
        [](const std::string& datagram) { return datagram.find("w2 gone") != std::string::npos; },
        1500ms))
        << "w2 followed the sender, not this process: " << broker.log();
    const std::string log = broker.log();
    EXPECT_EQ(log.find("refused key MAINPID", log.find("refused key MAINPID") + 1),
              std::string::npos)
        << log;
}

/// Root names a process that is not its ancestor, in a unit the rules
/// admit for w1 ("nb-main-a.service") or give other names only.
const char* const unit_rules = "[[group]]\nname = \"workers\"\nexpect = 1\n\n"
                               "[[allow]]\nunit = \"nb-main-a.service\"\nnames = [\"w1\"]\n\n"
                               "[[allow]]\nunit = \"nb-main-b.service\"\nnames = [\"other\"]\n\n"
                               "[[allow]]\nuid = 0\n";

TEST_F(MainPidfd, RootNamingAProcessInAUnitTheRulesAdmitForTheWorkerMakesItTheWorkersProcess) {
    TestCgroup unit("nb-main-a.service");
    ASSERT_TRUE(unit.usable()) << "cannot create a cgroup under " << cgroup2_mount()
                               << " (this test needs root and a writable cgroup2)";
    BrokerOptions options;
    options.config = unit_rules;
    auto& broker = start_broker(options);
    auto holder = process_in(unit);
    ASSERT_TRUE(unit.wait_populated());
    auto sender = ChildProcess::spawn(
        {NB_SD_NOTIFY_WORKER, "X_WORKER=w1\nREADY=1\nMAINPID=" + std::to_string(holder.pid())},
        worker_env(broker.socket_path(), false));
    EXPECT_EQ(sender.wait_exit_code(5s), 0);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();
    EXPECT_FALSE(says_gone(upstream_, 1500ms)) << "w1 followed the sender: " << broker.log();
    EXPECT_EQ(broker.log().find("refused key MAINPID"), std::string::npos) << broker.log();
    expect_clean_exits(holder);
    EXPECT_TRUE(says_gone(upstream_, 5s)) << "the unit's process exited, w1 did not";
}

TEST_F(MainPidfd, RootNamingAProcessInAUnitTheRulesDoNotAdmitForTheWorkerIsRefused) {
    TestCgroup unit("nb-main-b.service");
    ASSERT_TRUE(unit.usable()) << "cannot create a cgroup under " << cgroup2_mount()
                               << " (this test needs root and a writable cgroup2)";
    BrokerOptions options;
    options.config = unit_rules;
    auto& broker = start_broker(options);
    auto holder = process_in(unit);
    ASSERT_TRUE(unit.wait_populated());
    const std::string main = std::to_string(holder.pid());
    auto sender =
        ChildProcess::spawn({NB_SD_NOTIFY_WORKER, "X_WORKER=w1\nREADY=1\nMAINPID=" + main},
                            worker_env(broker.socket_path(), false));
    EXPECT_EQ(sender.wait_exit_code(5s), 0);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();
    EXPECT_NE(broker.log().find("refused key MAINPID=" + main + " from pid " +
                                std::to_string(sender.pid()) + " uid 0: process " + main +
                                " is neither the sender nor one of its ancestors, and no "
                                "[[allow]] rule with a unit admits its unit nb-main-b.service"),
              std::string::npos)
        << broker.log();
    EXPECT_TRUE(says_gone(upstream_, 5s)) << "w1 should have followed the exited sender";
    expect_clean_exits(holder);
}

} // namespace
} // namespace nb::test
