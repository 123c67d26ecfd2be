// Issue 13 with the real clients: a key with no meaning for a worker is
// ignored and logged by name, and the rest of the datagram applies. Until then
// `systemd-notify --ready --pid=$$` (which adds MAINPID=) made the whole
// datagram a drop while systemd-notify exited 0.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

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

TEST_F(WorkerKeys, SystemdNotifyWithPidMakesTheWorkerReadyAndTheIgnoredKeyIsLogged) {
    auto& broker = start_broker({"--expect", "1"});
    const std::string self = std::to_string(::getpid());
    auto notify = ChildProcess::spawn({systemd_notify, "--ready", "--pid=" + self, "X_WORKER=w1"},
                                      worker_env(broker.socket_path(), false));
    EXPECT_EQ(notify.wait_exit_code(10s), 0);
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready) << "systemd-notify --pid's MAINPID= cost the worker its READY=1";
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
    EXPECT_EQ(upstream_.count_line("MAINPID=" + self), 0U) << "a worker's key went upstream";
    EXPECT_NE(broker.log().find("ignored key MAINPID from worker w1 (pid "), std::string::npos)
        << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_NE(broker.log().find("ignored keys: MAINPID=1;"), std::string::npos) << broker.log();
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
