// Who a sender is: names, renames, takeovers, bus callers, and senders that
// leave before they arrive.
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

TEST(ABusCallerWithoutAName, IsKnownByItsUniqueBusName) {
    Harness h(pool_of(1));
    h.send_as(bus_sender(":1.77"), "STATUS=hello");
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].name, ":1.77");
    EXPECT_EQ(rows[0].source, Source::dbus);
}

TEST(ABusWorker, IsNotTouchedByTheExitOfAProcessWithTheSamePid) {
    Harness h(pool_of(1));
    Sender caller = bus_sender(":1.5");
    caller.pid = 4242;
    h.send_as(caller, "X_WORKER=web-1\nREADY=1");
    h.exit(4242); // the shell only reports socket senders' pidfds
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(AWorker, ThatRenamesItselfLeavesItsOldNameQuietly) {
    // Only a name it did not choose (pid:N, its unit) is renamed; a second
    // X_WORKER= is a second worker (issue 13, broker_multi_worker_test.cpp).
    Harness h(pool_of(2));
    h.send(101, "READY=1");
    ASSERT_EQ(h.broker.workers(h.now).front().name, "pid:101");
    h.send(101, "X_WORKER=web-9\nREADY=1");
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].name, "web-9");
    EXPECT_EQ(h.broker.counts().ready, 1U);
}

TEST(AWorkerNamedByItsUnit, StaysReadyWhenAnotherProcessOfTheUnitReportsAStatus) {
    Harness h(pool_of(1));
    // A script: `notify-broker --ready`, later `notify-broker --status=busy`,
    // each a short-lived process of the same unit.
    h.send_as(socket_sender(201, 1000, 1000, "script.service"), "READY=1");
    ASSERT_EQ(h.broker.workers(h.now)[0].state, WorkerState::ready);
    EXPECT_EQ(h.send_as(socket_sender(202, 1000, 1000, "script.service"), "STATUS=busy"),
              Verdict::accepted);
    const auto workers = h.broker.workers(h.now);
    ASSERT_EQ(workers.size(), 1U);
    EXPECT_EQ(workers[0].name, "script.service");
    EXPECT_EQ(workers[0].state, WorkerState::ready);
    EXPECT_EQ(workers[0].status, "busy");
    EXPECT_EQ(workers[0].pid, 202);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(ANamedWorker, StartsAgainWhenANewProcessOfItsUnitClaimsItsName) {
    // Only the same unit's next process may take a live holder's name (issue 11,
    // finding 3); any other process gets name_held (broker_name_holding_test.cpp).
    Harness h(pool_of(1));
    h.send_as(socket_sender(101, 1000, 1000, "web@1.service"), "X_WORKER=web-1\nREADY=1");
    h.send_as(socket_sender(102, 1000, 1000, "web@1.service"), "X_WORKER=web-1\nSTATUS=booting");
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::starting);
}

TEST(ASenderThatSaysStoppingFirst, LeavesNoTrace) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.worker(1, "STOPPING=1"), Verdict::accepted);
    EXPECT_TRUE(h.broker.workers(h.now).empty());
}

TEST(AWorker, CanClearItsStatusWithAnEmptyOne) {
    Harness h(pool_of(2));
    h.worker(1, "STATUS=loading");
    EXPECT_EQ(h.last_status(), "0/2 workers ready; web-1 starting (loading)");
    h.worker(1, "STATUS=");
    EXPECT_EQ(h.last_status(), "0/2 workers ready; web-1 starting");
}

TEST(AWorker, ThatTheRateLimiterDropsLosesNothingAfterwards) {
    BrokerConfig config = pool_of(1);
    config.rate_limit = RateLimit{.burst = 1, .per_second = 1};
    Harness h(config);
    EXPECT_EQ(h.worker(1, "STATUS=a"), Verdict::accepted);
    EXPECT_EQ(h.worker(1, "READY=1"), Verdict::rate_limited);
    EXPECT_EQ(h.broker.state(), BrokerState::starting);
    h.advance(1s);
    EXPECT_EQ(h.worker(1, "READY=1"), Verdict::accepted);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(ManyShortLivedSenders, DoNotGrowTheBrokerBeyondItsBounds) {
    BrokerConfig config = pool_of(4);
    config.max_workers = 8;
    Harness h(config);
    unsigned accepted = 0;
    unsigned rate_limited = 0;
    for (pid_t pid = 1000; pid < 51000; ++pid) {
        const Verdict verdict = h.send(pid, "STATUS=x");
        accepted += verdict == Verdict::accepted;
        rate_limited += verdict == Verdict::rate_limited;
    }
    EXPECT_EQ(accepted, 8U);
    EXPECT_EQ(h.broker.counts().known, 8U);
    // Once the bucket table is full, strangers share one overflow bucket.
    EXPECT_GT(rate_limited, 40000U);
    // Departures are remembered in bounded number too.
    for (pid_t pid = 1000; pid < 1008; ++pid) {
        h.exit(pid);
    }
    EXPECT_LE(h.broker.workers(h.now).size(), 64U);
}

} // namespace
} // namespace nb::core::testing
