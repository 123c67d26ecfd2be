// WATCHDOG_USEC= from a worker sets its own watchdog within its group's
// bounds; WATCHDOG=trigger makes it late at once (issue 13, point 3).
#include "harness.hpp"

namespace nb::core::testing {
namespace {

TEST(AWorkersOwnWatchdogUsec, ReplacesItsGroupsWatchdog) {
    Harness h(watched_pool(1)); // the group's: 10 s
    EXPECT_EQ(h.worker(1, "READY=1\nWATCHDOG_USEC=30000000"), Verdict::accepted);
    EXPECT_TRUE(h.broker.key_refusals().empty());
    h.advance(25s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::ready) << "its own 30 s apply";
    h.advance(6s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
}

TEST(AWorkersOwnWatchdogUsec, CanShortenItsWatchdogWhileReady) {
    Harness h(watched_pool(1));
    h.worker(1, "READY=1");
    h.worker(1, "WATCHDOG_USEC=2000000");
    h.advance(3s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
}

TEST(AWorkersOwnWatchdogUsec, OutsideItsGroupsBoundsIsRefusedAndTheRestApplies) {
    Harness h(watched_pool(1));
    EXPECT_EQ(h.worker(1, "READY=1\nWATCHDOG_USEC=500000"), Verdict::accepted);
    ASSERT_EQ(h.broker.key_refusals().size(), 1U);
    EXPECT_EQ(h.broker.key_refusals()[0],
              "WATCHDOG_USEC=500000 is outside group web's bounds 1000000 to 3600000000 us "
              "(worker_watchdog_min/_max)");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    h.advance(9s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::ready) << "the group's 10 s apply";
    EXPECT_EQ(h.worker(1, "WATCHDOG_USEC=3600000001"), Verdict::accepted);
    EXPECT_EQ(h.broker.key_refusals().size(), 1U);
    EXPECT_EQ(h.worker(1, "WATCHDOG=1"), Verdict::accepted);
    EXPECT_TRUE(h.broker.key_refusals().empty()) << "refusals are the last message's only";
}

TEST(AWorkersOwnWatchdogUsec, FollowsTheGroupsConfiguredBounds) {
    BrokerConfig config = watched_pool(1);
    config.groups[0].worker_watchdog_min = 100ms;
    config.groups[0].worker_watchdog_max = 20s;
    Harness h(config);
    h.worker(1, "READY=1\nWATCHDOG_USEC=200000");
    EXPECT_TRUE(h.broker.key_refusals().empty());
    h.worker(1, "WATCHDOG_USEC=30000000");
    EXPECT_EQ(h.broker.key_refusals().size(), 1U);
}

TEST(AWorkersOwnWatchdogUsec, GivesAWorkerOfAGroupWithoutWatchdogOne) {
    Harness h(pool_of(1));
    h.worker(1, "READY=1\nWATCHDOG_USEC=5000000");
    h.advance(6s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
}

TEST(AWatchdogTrigger, MakesTheWorkerLateAtOnceAndStopsTheBrokersPings) {
    BrokerConfig config = pool_of(1);
    config.watchdog_trigger = true;
    Harness h(config, UpstreamContext{.watchdog = 20s});
    h.worker(1, "READY=1");
    h.take();
    h.worker(1, "WATCHDOG=trigger");
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
    EXPECT_EQ(h.count("WATCHDOG", "trigger"), 1U);
}

} // namespace
} // namespace nb::core::testing
