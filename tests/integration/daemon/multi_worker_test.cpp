// Issue 13, point 5, with the real systemd-notify: a script that reports for
// each of its workers by name. As root, systemd-notify sends with its parent's
// pid, so all four names come from the script's pid; until then every new
// X_WORKER= renamed the one worker and the pool stayed "1/4 workers ready".

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using OneScript = BrokerTest;

TEST_F(OneScript, ThatReportsForFourWorkersByNameMakesFourWorkersReady) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "systemd-notify speaks for its parent only as root";
    }
    auto& broker = start_broker({"--expect", "4"});
    SpawnOptions options;
    options.env["NOTIFY_SOCKET"] = broker.socket_path();
    options.stdin_pipe = true; // the script lives until stdin closes
    auto script = ChildProcess::spawn(
        {"/bin/sh", "-c",
         "for i in 1 2 3 4; do /usr/bin/systemd-notify --ready X_WORKER=w$i || exit 1; done; "
         "exec cat >/dev/null"},
        options);
    const auto ready = upstream_.wait_for_line("READY=1", 10s);
    ASSERT_TRUE(ready) << "four names from one pid did not make four workers";
    EXPECT_TRUE(has_line(*ready, "STATUS=4/4 workers ready")) << printable(*ready);
    expect_clean_exits(script);
    // The script's exit takes all four with it.
    const auto gone = upstream_.wait_for(
        [](const std::string& datagram) {
            return datagram.find("STATUS=0/4 workers ready") != std::string::npos;
        },
        10s);
    ASSERT_TRUE(gone) << "the script's exit did not take its workers";
    for (const char* name : {"w1 gone", "w2 gone", "w3 gone", "w4 gone"}) {
        EXPECT_NE(gone->find(name), std::string::npos) << printable(*gone);
    }
}

} // namespace
} // namespace nb::test
