// Pool-wide reload (issue 15 B): READY=1 after a reload waits for the workers
// of the groups that reload with the pool (reload_timeout), or their timeout.
#include "core/reload_round.hpp"
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// pool_of(n) whose workers reload with the pool, waited for 5 s.
BrokerConfig reloading_pool(unsigned n, ReloadOutcome outcome = ReloadOutcome::ready) {
    BrokerConfig config = pool_of(n);
    config.groups[0].reload_timeout = 5s;
    config.groups[0].reload_outcome = outcome;
    return config;
}

/// A pool of n ready workers web-1..n, reloaded with `config`; the datagrams
/// sent so far are taken.
void ready_then_reload(Harness& h, unsigned n, const BrokerConfig& config) {
    for (unsigned i = 1; i <= n; ++i) {
        h.worker(i, "READY=1");
    }
    h.take();
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(config, {}, h.now);
    h.drain();
}

TEST(APoolReload, SendsReloadingAtOnceAndReadyOnlyWhenEveryWorkerSaidReadyAgain) {
    Harness h(reloading_pool(4));
    ready_then_reload(h, 4, reloading_pool(4));
    auto fresh = h.take();
    ASSERT_FALSE(fresh.empty());
    EXPECT_EQ(value_of(fresh[0], "RELOADING"), "1");
    EXPECT_TRUE(value_of(fresh[0], "MONOTONIC_USEC").has_value());
    EXPECT_EQ(h.count("READY", "1"), 1U); // the start's only
    EXPECT_EQ(h.last_status(), "4/4 workers ready; reloading: 0/4 workers reloaded");
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);

    h.advance(1s);
    h.worker(1, "RELOADING=1");
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");               // a fresh READY=1 counts too
    EXPECT_EQ(h.count("READY", "1"), 1U); // the start's only
    EXPECT_EQ(h.last_status(), "4/4 workers ready; reloading: 2/4 workers reloaded");
    h.worker(3, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);
    h.worker(4, "READY=1");
    fresh = h.take();
    ASSERT_FALSE(fresh.empty());
    EXPECT_EQ(value_of(fresh.back(), "READY"), "1");
    EXPECT_EQ(value_of(fresh.back(), "STATUS"), "4/4 workers ready");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(APoolReload, CountsAWorkerThatReloadedJustBeforeTheBrokersSignal) {
    // systemd signals the propagated units and the broker in no fixed order.
    Harness h(reloading_pool(2));
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.advance(10s);
    h.worker(1, "RELOADING=1");
    h.worker(1, "READY=1");
    h.advance(100ms);
    h.worker(2, "RELOADING=1"); // still reloading: awaited
    h.take();
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(reloading_pool(2), {}, h.now);
    h.drain();
    EXPECT_EQ(h.last_status(),
              "1/2 workers ready; reloading: 1/2 workers reloaded; web-2 reloading");
    h.worker(2, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 2U);
}

TEST(APoolReload, DoesNotCountAReloadOlderThanTheLookback) {
    Harness h(reloading_pool(1));
    h.worker(1, "READY=1");
    h.worker(1, "RELOADING=1");
    h.worker(1, "READY=1");
    h.advance(ReloadRound::lookback + 1ms);
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(reloading_pool(1), {}, h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);
    EXPECT_EQ(h.last_status(), "1/1 workers ready; reloading: 0/1 workers reloaded");
}

TEST(APoolReload, EndsAfterTheGroupsReloadTimeoutAndNamesWhoDidNotComeBack) {
    Harness h(reloading_pool(3));
    ready_then_reload(h, 3, reloading_pool(3));
    h.worker(1, "READY=1");
    h.worker(3, "READY=1");
    h.take();
    h.advance(4999ms);
    EXPECT_TRUE(h.take().empty()) << "READY=1 before the reload timeout";
    h.advance(1ms);
    const auto fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "READY"), "1");
    EXPECT_EQ(value_of(fresh[0], "STATUS"), "3/3 workers ready; did not reload: web-2");
    EXPECT_EQ(h.broker.state(), BrokerState::ready); // reload_outcome = "ready"

    // Once it says READY=1 it is no longer named.
    h.worker(2, "READY=1");
    EXPECT_EQ(h.last_status(), "3/3 workers ready");
}

TEST(APoolReload, WithTheDegradedOutcomeStaysDegradedUntilTheMissingWorkerIsBack) {
    Harness h(reloading_pool(2, ReloadOutcome::degraded), UpstreamContext{.watchdog = 20s});
    ready_then_reload(h, 2, reloading_pool(2, ReloadOutcome::degraded));
    h.worker(1, "READY=1");
    h.advance(5s);
    EXPECT_EQ(h.count("READY", "1"), 2U); // systemd's reload job ends either way
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    EXPECT_THAT(h.last_status(), HasSubstr("did not reload: web-2"));
    const auto pings = h.count("WATCHDOG", "1");
    h.advance(30s);
    EXPECT_EQ(h.count("WATCHDOG", "1"), pings) << "a degraded broker must not ping";
    h.worker(2, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.last_status(), "2/2 workers ready");
}

TEST(APoolReload, AWorkerThatRestartsUnderItsNameCountsAsReloaded) {
    Harness h(reloading_pool(1));
    ready_then_reload(h, 1, reloading_pool(1));
    h.exit(101);
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);
    h.send(201, "X_WORKER=web-1\nREADY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 2U);
}

TEST(APoolReload, WaitsForNobodyInGroupsWithoutAReloadTimeoutOrThatAreOptional) {
    BrokerConfig config = pool_of(1);
    GroupConfig optional;
    optional.name = "cache";
    optional.match = {"cache-*"};
    optional.required = false;
    optional.reload_timeout = 5s;
    config.groups.insert(config.groups.begin(), optional);
    Harness h(config);
    h.send(300, "X_WORKER=cache-1\nREADY=1");
    ready_then_reload(h, 1, config);
    const auto fresh = h.take();
    ASSERT_GE(fresh.size(), 2U);
    EXPECT_EQ(value_of(fresh.front(), "RELOADING"), "1");
    EXPECT_EQ(value_of(fresh.back(), "READY"), "1");
}

TEST(APoolReload, UsesTheReloadTimeoutOfTheNewConfig) {
    Harness h(pool_of(1));
    ready_then_reload(h, 1, reloading_pool(1));
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);
    EXPECT_EQ(h.broker.next_deadline(), h.now + 5s);
    h.advance(5s);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(APoolReload, ThatFailedToReadTheConfigStillWaitsForTheWorkers) {
    Harness h(reloading_pool(1));
    h.worker(1, "READY=1");
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(std::nullopt, "test.toml:1:1: bad", h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);
    h.worker(1, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_THAT(h.last_status(), HasSubstr("reload failed, old config kept"));
}

TEST(APoolReload, StoppingMidwayStopsWaiting) {
    Harness h(reloading_pool(1));
    ready_then_reload(h, 1, reloading_pool(1));
    h.broker.request_stop(h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::stopping);
    h.advance(10s);
    EXPECT_EQ(h.count("READY", "1"), 1U);
}

TEST(APoolReload, ForgetsTheLastRoundsMissedWorkersOnTheNextReload) {
    Harness h(reloading_pool(1));
    ready_then_reload(h, 1, reloading_pool(1));
    h.advance(5s);
    EXPECT_THAT(h.last_status(), HasSubstr("did not reload: web-1"));
    h.broker.begin_reload(h.now);
    h.drain();
    EXPECT_THAT(h.last_status(), Not(HasSubstr("did not reload")));
}

TEST(ARestartNeededNote, NamesTheSettingsInTheStatusUntilAReloadHasNone) {
    Harness h(pool_of(1));
    h.worker(1, "READY=1");
    h.broker.begin_reload(h.now);
    h.broker.set_restart_needed({"broker.socket", "dbus.name"});
    h.broker.finish_reload(pool_of(1), {}, h.now);
    h.drain();
    EXPECT_EQ(h.last_status(), "1/1 workers ready; restart needed for broker.socket, dbus.name");
    h.broker.begin_reload(h.now);
    h.broker.set_restart_needed({});
    h.broker.finish_reload(pool_of(1), {}, h.now);
    h.drain();
    EXPECT_EQ(h.last_status(), "1/1 workers ready");
}

TEST(AReloadRound, CountsProgressAndMovesLateNamesToMissedInOrder) {
    const TimePoint at = t0;
    ReloadRound round({{"a", at + 1s}, {"b", at + 2s}, {"c", at + 1s}});
    EXPECT_EQ(round.progress(), "reloading: 0/3 workers reloaded");
    EXPECT_TRUE(round.reloaded("b"));
    EXPECT_FALSE(round.reloaded("zz"));
    EXPECT_EQ(round.next_deadline(), at + 1s);
    EXPECT_FALSE(round.expire(at + 999ms));
    EXPECT_TRUE(round.expire(at + 1s));
    EXPECT_TRUE(round.done());
    EXPECT_THAT(round.missed(), ::testing::ElementsAre("a", "c"));
    EXPECT_EQ(round.progress(), "reloading: 1/3 workers reloaded");
    EXPECT_TRUE(round.reloaded("c")); // came back late
    EXPECT_THAT(round.missed(), ::testing::ElementsAre("a"));
}

} // namespace
} // namespace nb::core::testing
