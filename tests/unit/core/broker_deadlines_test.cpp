// Time: start timeouts, worker watchdogs, the broker's own watchdog, and the
// promise of zero wake-ups when nothing is pending.
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

using ::testing::Optional;

const UpstreamContext broker_watchdog{.watchdog = 20s};

TEST(AnIdleBroker, HasNoDeadlineAtAll) {
    Harness h(pool_of(2));
    EXPECT_EQ(h.broker.next_deadline(), std::nullopt);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1\nSTATUS=serving");
    EXPECT_EQ(h.broker.next_deadline(), std::nullopt);
    h.advance(1h);
    EXPECT_EQ(h.ticks, 0U);
}

TEST(AnIdleBroker, WithCoalescedStatusWakesOnlyForTheTrailingFlush) {
    BrokerConfig config = pool_of(2);
    config.status_interval = 500ms;
    Harness h(config);
    h.worker(1, "STATUS=a");
    h.worker(1, "STATUS=b");
    EXPECT_THAT(h.broker.next_deadline(), Optional(t0 + 500ms));
    h.advance(1h);
    EXPECT_EQ(h.ticks, 1U);
    EXPECT_EQ(h.broker.next_deadline(), std::nullopt);
}

// One worker of a group with a 5 s start timeout has said it is loading.
class AWorkerWithAStartTimeout : public ::testing::Test {
protected:
    AWorkerWithAStartTimeout() { h.worker(1, "STATUS=loading"); }

    static BrokerConfig config() {
        BrokerConfig config = pool_of(1);
        config.groups[0].start_timeout = 5s;
        return config;
    }

    Harness h{config()};
};

TEST_F(AWorkerWithAStartTimeout, IsLateWhenItMissesIt) {
    EXPECT_THAT(h.broker.next_deadline(), Optional(t0 + 5s));
    h.advance(4999ms);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::starting);
    h.advance(1ms);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
    EXPECT_EQ(h.last_status(), "0/1 workers ready; web-1 late (loading)");
    EXPECT_EQ(h.broker.next_deadline(), std::nullopt);
}

TEST_F(AWorkerWithAStartTimeout, CanStillBecomeReadyAfterBeingLate) {
    h.advance(6s);
    h.worker(1, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST_F(AWorkerWithAStartTimeout, GetsMoreTimeWithExtendTimeoutUsec) {
    h.advance(4s);
    h.worker(1, "EXTEND_TIMEOUT_USEC=10000000");
    h.advance(9s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::starting);
    h.advance(1s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
}

TEST(AReadyWorkerWithAWatchdog, IsLateWhenItStopsPinging) {
    Harness h(watched_pool(1));
    h.worker(1, "READY=1");
    h.advance(9s);
    h.worker(1, "WATCHDOG=1");
    h.advance(9s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::ready);
    h.advance(1s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    h.worker(1, "WATCHDOG=1");
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::ready);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(TheBrokersWatchdog, PingsRightAfterReadyThenAtHalfItsInterval) {
    Harness h(pool_of(1), broker_watchdog);
    EXPECT_EQ(h.count("WATCHDOG"), 0U); // not before READY=1
    h.advance(30s);
    h.take();
    h.worker(1, "READY=1");
    const auto fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "READY"), "1");
    EXPECT_EQ(value_of(fresh[0], "WATCHDOG"), "1");
    EXPECT_THAT(h.broker.next_deadline(), Optional(h.now + 10s));
    h.advance(35s);
    EXPECT_EQ(h.count("WATCHDOG", "1"), 4U); // +0 s, +10 s, +20 s, +30 s
}

TEST(TheBrokersWatchdog, StopsPingingWhileARequiredWorkerIsLate) {
    Harness h(watched_pool(2), broker_watchdog);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    const auto pings_before = h.count("WATCHDOG", "1");
    // web-1 keeps pinging, web-2 hangs.
    for (int i = 0; i < 6; ++i) {
        h.advance(5s);
        h.worker(1, "WATCHDOG=1");
    }
    EXPECT_EQ(h.broker.workers(h.now)[1].state, WorkerState::late);
    // Only READY's own ping: web-2 missed its watchdog at +10 s, the instant the
    // next ping was due, and every ping since is withheld.
    EXPECT_EQ(h.count("WATCHDOG", "1"), pings_before);
    EXPECT_EQ(h.count("WATCHDOG", "trigger"), 0U); // not configured
}

TEST(TheBrokersWatchdog, ResumesAtOnceWhenTheLateWorkerPingsAgain) {
    Harness h(watched_pool(1), broker_watchdog);
    h.worker(1, "READY=1");
    h.advance(25s); // web-1 late at +10 s; the ping due at +10 s is withheld
    EXPECT_EQ(h.count("WATCHDOG", "1"), 1U);
    h.take();
    h.worker(1, "WATCHDOG=1");
    const auto fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "WATCHDOG"), "1");
}

TEST(TheBrokersWatchdog, SendsTriggerAtOnceWhenConfiguredAndARequiredWorkerMisses) {
    BrokerConfig config = watched_pool(1);
    config.watchdog_trigger = true;
    Harness h(config, broker_watchdog);
    h.worker(1, "READY=1");
    h.take();
    h.advance(10s);
    EXPECT_EQ(h.count("WATCHDOG", "trigger"), 1U);
    h.advance(60s);
    EXPECT_EQ(h.count("WATCHDOG", "trigger"), 1U); // once per spell
}

TEST(TheBrokersWatchdog, TriggersWhenAWorkerSaysItIsHung) {
    BrokerConfig config = pool_of(1);
    config.watchdog_trigger = true;
    Harness h(config, broker_watchdog);
    h.worker(1, "READY=1");
    h.worker(1, "WATCHDOG=trigger");
    EXPECT_EQ(h.count("WATCHDOG", "trigger"), 1U);
}

TEST(TheBrokersWatchdog, IgnoresLateOptionalWorkers) {
    BrokerConfig config = pool_of(1);
    config.watchdog_trigger = true;
    config.groups[0].match = {"web-*"};
    GroupConfig extras;
    extras.name = "extras";
    extras.required = false;
    extras.watchdog = 5s;
    config.groups.push_back(extras);
    Harness h(config, broker_watchdog);
    h.worker(1, "READY=1");
    h.send(201, "X_WORKER=extra\nREADY=1");
    h.advance(30s);
    EXPECT_EQ(h.broker.workers(h.now)[1].state, WorkerState::late);
    EXPECT_EQ(h.count("WATCHDOG", "trigger"), 0U);
    EXPECT_EQ(h.count("WATCHDOG", "1"), 4U);
}

TEST(TheBrokersWatchdog, IsWithheldWhileDegraded) {
    Harness h(pool_of(2), broker_watchdog);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.exit(102);
    h.take();
    h.advance(60s);
    EXPECT_EQ(h.count("WATCHDOG", "1"), 1U);
    EXPECT_EQ(h.ticks, 0U); // and nothing wakes the broker meanwhile
}

} // namespace
} // namespace nb::core::testing
