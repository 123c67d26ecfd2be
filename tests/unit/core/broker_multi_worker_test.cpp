// One process may speak for several workers (issue 13, point 5): a pool master
// or a script reporting for each child by name. Every name the policy lets the
// sender claim is a worker of its own; a message without X_WORKER= is for each
// of them; the process's exit takes them all. What bounds it: max_workers (all
// workers together), the sender's token bucket (each datagram names at most one
// new worker) and the names its allow rule gives it.
#include "harness.hpp"

namespace nb::core::testing {
namespace {

TEST(OneProcess, ThatReportsForFourNamesCountsAsFourWorkers) {
    Harness h(pool_of(4));
    for (int i = 1; i <= 4; ++i) {
        EXPECT_EQ(h.send(101, "READY=1\nX_WORKER=w" + std::to_string(i)), Verdict::accepted);
    }
    EXPECT_EQ(h.broker.counts().ready, 4U);
    EXPECT_EQ(h.broker.counts().known, 4U);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 1U);
}

TEST(OneProcess, ThatSpeaksForSeveralPingsForAllOfThemWithoutAName) {
    Harness h(watched_pool(2));
    h.send(101, "READY=1\nX_WORKER=w1");
    h.send(101, "READY=1\nX_WORKER=w2");
    for (int i = 0; i < 3; ++i) {
        h.advance(8s);
        EXPECT_EQ(h.send(101, "WATCHDOG=1"), Verdict::accepted);
    }
    h.advance(8s);
    EXPECT_EQ(h.broker.counts().ready, 2U) << h.last_status();
    for (const auto& row : h.broker.workers(h.now)) {
        EXPECT_EQ(row.state, WorkerState::ready) << row.name;
    }
}

TEST(OneProcess, ThatSpeaksForSeveralStopsAllOfThemWithOneStopping) {
    Harness h(pool_of(2));
    h.send(101, "READY=1\nX_WORKER=w1");
    h.send(101, "READY=1\nX_WORKER=w2");
    EXPECT_EQ(h.send(101, "STOPPING=1"), Verdict::accepted);
    EXPECT_EQ(h.broker.counts().known, 0U);
}

TEST(OneProcess, ThatNamesOneOfItsWorkersChangesOnlyThatOne) {
    Harness h(pool_of(2));
    h.send(101, "READY=1\nX_WORKER=w1");
    h.send(101, "X_WORKER=w2\nSTATUS=warming up");
    h.send(101, "X_WORKER=w1\nSTATUS=serving");
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].name, "w1");
    EXPECT_EQ(rows[0].status, "serving");
    EXPECT_EQ(rows[0].state, WorkerState::ready);
    EXPECT_EQ(rows[1].name, "w2");
    EXPECT_EQ(rows[1].status, "warming up");
    EXPECT_EQ(rows[1].state, WorkerState::starting);
}

TEST(OneProcess, ThatExitsTakesAllItsWorkersWithIt) {
    Harness h(pool_of(3));
    h.send(101, "READY=1\nX_WORKER=w1");
    h.send(101, "READY=1\nX_WORKER=w2");
    h.send(102, "READY=1\nX_WORKER=w3");
    h.exit(101);
    EXPECT_EQ(h.broker.counts().known, 1U);
    EXPECT_EQ(h.broker.counts().ready, 1U);
}

TEST(OneProcess, CreatesNoMoreWorkersThanMaxWorkers) {
    BrokerConfig config = pool_of(4);
    config.max_workers = 3;
    Harness h(config);
    for (int i = 1; i <= 3; ++i) {
        EXPECT_EQ(h.send(101, "X_WORKER=w" + std::to_string(i)), Verdict::accepted);
    }
    EXPECT_EQ(h.send(101, "X_WORKER=w4"), Verdict::too_many_workers);
    EXPECT_EQ(h.send(101, "X_WORKER=w1\nREADY=1"), Verdict::accepted) << "its own still apply";
    EXPECT_EQ(h.broker.counts().known, 3U);
}

TEST(OneProcess, CreatesWorkersNoFasterThanItsTokenBucket) {
    BrokerConfig config = pool_of(8);
    config.rate_limit = RateLimit{.burst = 2, .per_second = 1};
    Harness h(config);
    EXPECT_EQ(h.send(101, "X_WORKER=w1"), Verdict::accepted);
    EXPECT_EQ(h.send(101, "X_WORKER=w2"), Verdict::accepted);
    EXPECT_EQ(h.send(101, "X_WORKER=w3"), Verdict::rate_limited);
    EXPECT_EQ(h.broker.counts().known, 2U);
    h.advance(1s);
    EXPECT_EQ(h.send(101, "X_WORKER=w3"), Verdict::accepted);
}

TEST(OneProcess, ClaimsOnlyTheNamesItsRuleGivesIt) {
    BrokerConfig config = pool_of(2);
    config.allow = {allow(1000, {}, {}, {"w*"})};
    Harness h(config);
    EXPECT_EQ(h.send(101, "X_WORKER=w1"), Verdict::accepted);
    EXPECT_EQ(h.send(101, "X_WORKER=db-1"), Verdict::name_denied);
    EXPECT_EQ(h.broker.counts().known, 1U);
}

TEST(OneProcess, CannotTakeANameAnotherLiveProcessHolds) {
    Harness h(pool_of(2));
    h.send(101, "READY=1\nX_WORKER=w1");
    h.send(102, "READY=1\nX_WORKER=w2");
    EXPECT_EQ(h.send(102, "X_WORKER=w1\nSTATUS=mine"), Verdict::name_held);
    EXPECT_EQ(h.broker.workers(h.now)[0].pid, 101);
}

TEST(ABusCaller, MaySpeakForSeveralWorkersToo) {
    Harness h(pool_of(2));
    h.send_as(bus_sender(":1.9"), "READY=1\nX_WORKER=w1");
    h.send_as(bus_sender(":1.9"), "READY=1\nX_WORKER=w2");
    EXPECT_EQ(h.broker.counts().ready, 2U);
    h.broker.on_bus_peer_gone(":1.9", h.now);
    EXPECT_EQ(h.broker.counts().known, 0U);
}

} // namespace
} // namespace nb::core::testing
