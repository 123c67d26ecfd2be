// Workers use the sd_notify clients that exist, unchanged: systemd's own
// systemd-notify (message + barrier), libsystemd's sd_notify(), python-systemd.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

const std::string python = "/usr/bin/python3";
const std::string systemd_notify = "/usr/bin/systemd-notify";

SpawnOptions worker_env(const std::string& socket, bool hold) {
    SpawnOptions options;
    options.env["NOTIFY_SOCKET"] = socket;
    options.stdin_pipe = hold;
    return options;
}

ChildProcess python_worker(const std::string& socket, const std::string& state) {
    // Stays alive until stdin closes, so the pool does not lose it.
    const std::string script = "import sys\nfrom systemd import daemon\n"
                               "ok = daemon.notify("
                               "sys.argv[1])\n"
                               "sys.stdin.read()\nsys.exit(0 if ok else 1)\n";
    return ChildProcess::spawn({python, "-c", script, state}, worker_env(socket, true));
}

ChildProcess libsystemd_worker(const std::string& socket, const std::string& state) {
    return ChildProcess::spawn({NB_SD_NOTIFY_WORKER, state, "--hold"}, worker_env(socket, true));
}

using ThirdPartyClients = BrokerTest;

TEST_F(ThirdPartyClients, SystemdNotifyGetsItsBarrierAnsweredAndReadyIsRelayed) {
    auto& broker = start_broker({"--expect", "1"});
    const auto started = std::chrono::steady_clock::now();
    // Without --no-block, systemd-notify 252 sends a barrier and exits 1 after
    // 5 s if the broker never closes the fd.
    auto notify = ChildProcess::spawn({systemd_notify, "--ready", "--status=warming up"},
                                      worker_env(broker.socket_path(), false));
    EXPECT_EQ(notify.wait_exit_code(10s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
}

TEST_F(ThirdPartyClients, LibsystemdSdNotifyMakesAWorkerReady) {
    auto& broker = start_broker({"--expect", "1"});
    auto worker = libsystemd_worker(broker.socket_path(), "READY=1\nSTATUS=serving");
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    expect_clean_exits(worker);
}

TEST_F(ThirdPartyClients, PythonSystemdDaemonNotifyMakesAWorkerReady) {
    auto& broker = start_broker({"--expect", "1"});
    auto worker = python_worker(broker.socket_path(), "READY=1");
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s));
    expect_clean_exits(worker);
}

TEST_F(ThirdPartyClients, ThreeDifferentClientsMakeOnePoolReadyExactlyOnce) {
    auto& broker = start_broker({"--expect", "3", "--status-interval", "1ms"});

    auto from_libsystemd = libsystemd_worker(broker.socket_path(), "X_WORKER=c-worker\nREADY=1");
    ASSERT_TRUE(upstream_.wait_for_line("STATUS=1/3 workers ready", 5s));

    auto from_python = python_worker(broker.socket_path(), "X_WORKER=py-worker\nREADY=1");
    ASSERT_TRUE(upstream_.wait_for_line("STATUS=2/3 workers ready", 10s));
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U);

    // systemd-notify reports on behalf of its parent (this test process).
    auto notify = ChildProcess::spawn({systemd_notify, "--ready", "X_WORKER=cli-worker"},
                                      worker_env(broker.socket_path(), false));
    EXPECT_EQ(notify.wait_exit_code(10s), 0);
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(has_line(*ready, "STATUS=3/3 workers ready")) << printable(*ready);

    EXPECT_EQ(broker.terminate(), 0);
    ASSERT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    EXPECT_EQ(upstream_.count_line("READY=1"), 1U);
    expect_clean_exits(from_libsystemd, from_python);
}

} // namespace
} // namespace nb::test
