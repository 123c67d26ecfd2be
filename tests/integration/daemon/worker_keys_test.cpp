// Issue 13 with the real clients: a key with no meaning for a worker is
// ignored and logged by name, and the rest of the datagram applies. Until then
// `systemd-notify --ready --pid=$$` (which adds MAINPID=) made the whole
// datagram a drop while systemd-notify exited 0.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

const std::string systemd_notify = "/usr/bin/systemd-notify";

SpawnOptions worker_env(const std::string& socket, bool hold) {
    SpawnOptions options;
    options.env["NOTIFY_SOCKET"] = socket;
    options.stdin_pipe = hold;
    return options;
}

using WorkerKeys = BrokerTest;

TEST_F(WorkerKeys, SystemdNotifyWithPidAsRootMakesTheWorkerReady) {
    auto& broker = start_broker({"--expect", "1"});
    const std::string self = std::to_string(::getpid());
    auto notify = ChildProcess::spawn({systemd_notify, "--ready", "--pid=" + self, "X_WORKER=w1"},
                                      worker_env(broker.socket_path(), false));
    EXPECT_EQ(notify.wait_exit_code(10s), 0);
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready) << "systemd-notify --pid's MAINPID= cost the worker its READY=1";
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
    EXPECT_EQ(upstream_.count_line("MAINPID=" + self), 0U) << "a worker's key went upstream";
    // As root systemd-notify sends with the --pid process's pid: MAINPID= names the sender.
    EXPECT_EQ(broker.log().find("refused key MAINPID"), std::string::npos) << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_NE(broker.log().find("dropped: none;"), std::string::npos) << broker.log();
}

class AnUnprivilegedScript : public BrokerTest,
                             public ::testing::WithParamInterface<const char*> {};

// Issue 13, point 2: unprivileged, systemd-notify cannot send with its
// parent's pid; the sender is systemd-notify itself, which exits at once.
// MAINPID= (--pid=$$, --pid=parent) makes the script the worker's process.
TEST_P(AnUnprivilegedScript, ThatReportsWithSystemdNotifyPidStaysAWorkerWhileItRuns) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to run the script as nobody";
    }
    auto& broker = start_broker({"--expect", "1", "--socket-mode", "0666"});
    // nobody must reach the socket: its directory is the test's private one.
    const auto dir = std::filesystem::path(broker.socket_path()).parent_path();
    ASSERT_EQ(::chmod(dir.c_str(), 0711), 0) << dir;
    SpawnOptions options = worker_env(broker.socket_path(), true);
    auto script = ChildProcess::spawn(
        {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
         std::string("/usr/bin/systemd-notify --ready ") + GetParam() +
             " X_WORKER=w1 || exit 1; exec cat >/dev/null"},
        options);
    const auto ready = upstream_.wait_for_line("READY=1", 10s);
    ASSERT_TRUE(ready) << broker.log();
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
    // systemd-notify has exited: bound to it, the worker would be gone now.
    const auto early = upstream_.wait_for(
        [](const std::string& datagram) { return datagram.find("w1 gone") != std::string::npos; },
        1500ms);
    EXPECT_FALSE(early) << "the worker followed the short-lived systemd-notify: " << broker.log();
    EXPECT_EQ(broker.log().find("refused key MAINPID"), std::string::npos) << broker.log();
    expect_clean_exits(script);
    const auto gone = upstream_.wait_for(
        [](const std::string& datagram) { return datagram.find("w1 gone") != std::string::npos; },
        5s);
    EXPECT_TRUE(gone) << "the script's exit did not end the worker";
}

INSTANTIATE_TEST_SUITE_P(WithItsPid, AnUnprivilegedScript,
                         ::testing::Values("--pid=$$", "--pid=parent"));

TEST_F(WorkerKeys, AMainPidThatIsNoAncestorOfTheSenderIsRefusedAndTheRestApplies) {
    auto& broker = start_broker({"--expect", "1"});
    SpawnOptions options = worker_env(broker.socket_path(), true);
    auto bystander = ChildProcess::spawn({"/bin/cat"}, options);
    auto worker = ChildProcess::spawn(
        {NB_SD_NOTIFY_WORKER, "READY=1\nMAINPID=" + std::to_string(bystander.pid()), "--hold"},
        options);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    EXPECT_NE(broker.log().find("refused key MAINPID=" + std::to_string(bystander.pid())),
              std::string::npos)
        << broker.log();
    EXPECT_NE(broker.log().find("is neither the sender nor one of its ancestors"),
              std::string::npos)
        << broker.log();
    expect_clean_exits(worker, bystander);
}

TEST_F(WorkerKeys, PythonSystemdWithKeysOfTheServiceManagerStillMakesTheWorkerReady) {
    auto& broker = start_broker({"--expect", "1"});
    const std::string script = "import sys\nfrom systemd import daemon\n"
                               "ok = daemon.notify('READY=1\\nFDSTORE=1\\nNOTIFYACCESS=all\\n"
                               "X_SYSTEMD_UNIT_ACTIVE=1\\nX_WORKER=py')\n"
                               "sys.stdin.read()\nsys.exit(0 if ok else 1)\n";
    auto worker = ChildProcess::spawn({"/usr/bin/python3", "-c", script},
                                      worker_env(broker.socket_path(), true));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s));
    EXPECT_EQ(upstream_.count_line("NOTIFYACCESS=all"), 0U);
    EXPECT_EQ(upstream_.count_line("X_SYSTEMD_UNIT_ACTIVE=1"), 0U);
    expect_clean_exits(worker);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_NE(broker.log().find("ignored keys: FDSTORE=1 NOTIFYACCESS=1 X_SYSTEMD_*=1;"),
              std::string::npos)
        << broker.log();
}

TEST_F(WorkerKeys, LibsystemdSdNotifyWithAnUnknownKeyStillMakesTheWorkerReady) {
    auto& broker = start_broker({"--expect", "1"});
    auto worker = ChildProcess::spawn({NB_SD_NOTIFY_WORKER, "READY=1\nSOMETHING_NEW=1", "--hold"},
                                      worker_env(broker.socket_path(), true));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    EXPECT_EQ(upstream_.count_line("SOMETHING_NEW=1"), 0U);
    expect_clean_exits(worker);
}

} // namespace
} // namespace nb::test
