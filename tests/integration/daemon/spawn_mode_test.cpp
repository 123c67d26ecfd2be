// Spawn mode (`notify-brokerd -- COMMAND`): the broker starts the workers with
// its own socket as NOTIFY_SOCKET, forwards SIGTERM and exits with them.

#include "support/broker_test.hpp"

#include <gtest/gtest.h>

#include <signal.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// A shell worker: reports through systemd-notify (attributed to the shell),
/// then becomes `then` (same pid).
std::vector<std::string> shell_worker(const std::string& then) {
    return {"/bin/sh", "-c",
            "/usr/bin/systemd-notify --ready X_WORKER=w$NOTIFY_BROKER_WORKER_INDEX && " + then};
}

using SpawnMode = BrokerTest;

TEST_F(SpawnMode, SpawnedWorkersReportThroughTheBrokerAndSIGTERMStopsThemCleanly) {
    BrokerOptions options;
    options.args = {"--workers", "2", "--status-interval", "1ms"};
    options.command = shell_worker("exec sleep 60");
    auto& broker = start_broker(options);
    const auto ready = upstream_.wait_for_line("READY=1", 10s);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(has_line(*ready, "STATUS=2/2 workers ready")) << printable(*ready);

    EXPECT_EQ(broker.terminate(), 0); // the children die of the forwarded SIGTERM: clean
    EXPECT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    EXPECT_EQ(upstream_.count_line("READY=1"), 1U);
}

TEST_F(SpawnMode, SIGHUPReloadsTheBrokerAndReachesTheWorkers) {
    BrokerOptions options;
    options.args = {"--workers", "1"};
    // The worker leaves when it gets SIGHUP: the broker can only exit if it
    // forwarded the signal.
    options.command = shell_worker("sleep 60 & pid=$!; trap 'kill $pid; exit 0' HUP; wait");
    auto& broker = start_broker(options);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s));
    broker.signal(SIGHUP);
    EXPECT_TRUE(upstream_.wait_for_line("RELOADING=1", 5s));
    EXPECT_EQ(broker.wait_exit_code(10s), 0);
    EXPECT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
}

TEST_F(SpawnMode, TheBrokerExitsWithItsWorkersStatus) {
    BrokerOptions options;
    options.args = {"--workers", "1"};
    options.command = shell_worker("exit 3");
    auto& broker = start_broker(options);
    EXPECT_EQ(broker.wait_exit_code(10s), 3);
    EXPECT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
}

TEST_F(SpawnMode, ACommandThatCannotRunMakesTheBrokerExit127) {
    BrokerOptions options;
    options.command = {"/nonexistent/worker"};
    options.wait_until_listening = false;
    auto& broker = start_broker(options);
    EXPECT_EQ(broker.wait_exit_code(10s), 127);
}

} // namespace
} // namespace nb::test
