// A worker identified by its unit that reports through a short-lived command
// (a shell script's `notify-broker --ready; exec sleep infinity`) counts as
// long as its unit's cgroup has a process, not as long as the sender lives.
// A real notify-brokerd, a real cgroup2 sub-cgroup named like a unit (root only).

#include "support/broker_test.hpp"
#include "support/unit_cgroup.hpp"

#include <nb/client/notifier.hpp>
#include <nb/test/child_process.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using UnitWorker = BrokerTest;

TEST_F(UnitWorker, ReportingThroughAShortLivedCommandCountsWhileItsUnitHasAProcess) {
    TestCgroup unit("script-x.service");
    ASSERT_TRUE(unit.usable()) << "cannot create a cgroup under " << cgroup2_mount()
                               << " (this test needs root and a writable cgroup2)";
    BrokerOptions options;
    options.args = {"--expect", "1"};
    options.log_level = "debug";
    auto& broker = start_broker(options);

    // The unit's long-lived process (the script's `exec sleep infinity`).
    auto holder = process_in(unit);
    // The short-lived reporter, in the same unit: READY=1, a barrier, exit.
    auto reporter = ChildProcess::fork([&] {
        if (!unit.enter()) {
            return 3;
        }
        client::Notifier notifier(broker.socket_path());
        return notifier.notify("READY=1\nSTATUS=script up").sent() && notifier.barrier(5s).sent()
                   ? 0
                   : 1;
    });
    ASSERT_EQ(reporter.wait_exit_code(10s), 0);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));

    // The reporter is gone; its unit is not: no "gone" status follows.
    EXPECT_FALSE(upstream_.wait_for(
        [](const std::string& d) { return d.find("gone") != std::string::npos; }, 500ms));
    EXPECT_NE(broker.log().find("following unit script-x.service"), std::string::npos)
        << broker.log();

    holder.close_stdin();
    ASSERT_EQ(holder.wait_exit_code(5s), 0);
    const auto gone =
        upstream_.wait_for_line("STATUS=0/1 workers ready; script-x.service gone (script up)", 2s);
    EXPECT_TRUE(gone) << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
