// SIGHUP on a real broker: the settings that can change apply at once, those
// that need a restart are named (issue 14 point 5); READY=1 waits for the
// workers of a group with reload_timeout (issue 15 B).

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using Reload = BrokerTest;

mode_t mode_of(const std::string& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
}

TEST_F(Reload, AppliesTheSocketModeAtOnceAndNamesWhatNeedsARestart) {
    BrokerOptions options;
    options.config = "[broker]\nsocket_mode = \"0660\"\n[[group]]\nname = \"pool\"\n";
    options.args = {"--status-interval", "1ms"};
    auto& broker = start_broker(options);
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"X_WORKER=one\nREADY=1"}));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    EXPECT_EQ(mode_of(broker.socket_path()), 0660U);

    dir_.write("broker.toml", "[broker]\nsocket_mode = \"0600\"\nmax_workers = 8\n"
                              "[[group]]\nname = \"pool\"\n");
    broker.signal(SIGHUP);
    ASSERT_TRUE(upstream_.wait_for_line("RELOADING=1", 5s));
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready; restart needed for broker.max_workers"))
        << printable(*ready);
    EXPECT_EQ(mode_of(broker.socket_path()), 0600U);
    EXPECT_NE(broker.log().find("reload: broker.max_workers changed but needs a restart"),
              std::string::npos)
        << broker.log();
    EXPECT_NE(broker.log().find("configuration reloaded; applied: broker.socket_mode"),
              std::string::npos)
        << broker.log();

    // Back to the running value: nothing is named any more.
    dir_.write("broker.toml", "[broker]\nsocket_mode = \"0600\"\n[[group]]\nname = \"pool\"\n");
    broker.signal(SIGHUP);
    ASSERT_TRUE(upstream_.wait_for_line("RELOADING=1", 5s));
    const auto again = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(again);
    EXPECT_TRUE(has_line(*again, "STATUS=1/1 workers ready")) << printable(*again);
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(Reload, OfAGroupWithReloadTimeoutSendsReadyOnlyOnceItsWorkerIsBack) {
    BrokerOptions options;
    options.config = "[[group]]\nname = \"pool\"\nreload_timeout = \"1min\"\n";
    options.args = {"--status-interval", "1ms"};
    auto& broker = start_broker(options);
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"X_WORKER=one\nREADY=1"}));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));

    broker.signal(SIGHUP);
    ASSERT_TRUE(upstream_.wait_for_line("RELOADING=1", 5s));
    ASSERT_TRUE(
        upstream_.wait_for_line("STATUS=1/1 workers ready; reloading: 0/1 workers reloaded", 5s));
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"X_WORKER=one\nRELOADING=1"}));
    EXPECT_FALSE(upstream_.wait_for_line("READY=1", 300ms)) << "READY=1 before the worker";
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"X_WORKER=one\nREADY=1"}));
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
