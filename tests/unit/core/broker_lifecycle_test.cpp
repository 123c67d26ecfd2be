// The broker's own lifecycle upstream: reload, stop, EXTEND_TIMEOUT_USEC.
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::int64_t usec_of(TimePoint at) {
    return std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
}

TEST(AReload, SendsReloadingWithMonotonicUsecThenReadyWhenItSucceeds) {
    Harness h(pool_of(1), UpstreamContext{.watchdog = 20s});
    h.worker(1, "READY=1");
    h.advance(3s);
    h.take();
    h.broker.begin_reload(h.now);
    h.drain();
    auto fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "RELOADING"), "1");
    EXPECT_EQ(value_of(fresh[0], "MONOTONIC_USEC"), std::to_string(usec_of(h.now)));
    EXPECT_EQ(value_of(fresh[0], "STATUS"), "1/1 workers ready; reloading");
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);

    BrokerConfig renamed = pool_of(1);
    renamed.status_format = "{ready} of {expected}";
    h.broker.finish_reload(renamed, {}, h.now);
    h.drain();
    fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "READY"), "1");
    EXPECT_EQ(value_of(fresh[0], "WATCHDOG"), "1"); // once right after the reload
    EXPECT_EQ(value_of(fresh[0], "STATUS"), "1 of 1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(AReload, ThatRaisesTheBarEndsDegradedWithoutAPing) {
    Harness h(pool_of(1), UpstreamContext{.watchdog = 20s});
    h.worker(1, "READY=1");
    h.broker.begin_reload(h.now);
    h.drain();
    h.take();
    h.broker.finish_reload(pool_of(2), {}, h.now);
    h.drain();
    EXPECT_THAT(h.take(), ::testing::ElementsAre("READY=1\nSTATUS=1/2 workers ready"));
    EXPECT_EQ(h.broker.config().groups[0].expected, 2U);
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
}

TEST(AFailedReload, KeepsTheOldConfigAndSaysSoInTheStatus) {
    Harness h(pool_of(1));
    h.worker(1, "READY=1");
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(std::nullopt, "broker.toml:3:7: expected a number", h.now);
    h.drain();
    EXPECT_EQ(h.broker.config().groups[0].expected, 1U);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 2U);
    EXPECT_EQ(h.last_status(), "1/1 workers ready; reload failed, old config kept: "
                               "broker.toml:3:7: expected a number");
    // The next successful reload clears it.
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(pool_of(1), {}, h.now);
    h.drain();
    EXPECT_EQ(h.last_status(), "1/1 workers ready");
}

TEST(AReloadBeforeReady, IsAppliedQuietlyAndReadyStillWaitsForTheRule) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(pool_of(1), {}, h.now);
    h.drain();
    EXPECT_EQ(h.count("RELOADING"), 0U);
    EXPECT_EQ(h.count("READY", "1"), 1U); // the new rule (1 worker) holds already
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(AReload, RegroupsTheWorkersUnderTheNewGroups) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    BrokerConfig split = pool_of(1);
    split.groups[0].match = {"web-1"};
    GroupConfig rest;
    rest.name = "rest";
    rest.required = false;
    split.groups.push_back(rest);
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(split, {}, h.now);
    EXPECT_EQ(h.broker.counts().expected, 1U);
    EXPECT_EQ(h.broker.workers(h.now)[1].group, "rest");
}

TEST(Stopping, IsFinalNothingButStatusFollowsIt) {
    BrokerConfig config = pool_of(2);
    config.extend_timeout = 5s;
    config.watchdog_trigger = true;
    config.groups[0].watchdog = 1s;
    Harness h(config, UpstreamContext{.watchdog = 4s});
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.take();
    h.broker.request_stop(h.now);
    h.drain();
    auto fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "STOPPING"), "1");
    EXPECT_EQ(value_of(fresh[0], "STATUS"), "2/2 workers ready; stopping");

    h.broker.begin_reload(h.now);
    h.broker.finish_reload(pool_of(5), {}, h.now);
    h.worker(1, "RELOADING=1");
    h.worker(2, "STOPPING=1");
    h.worker(1, "READY=1\nEXTEND_TIMEOUT_USEC=9000000");
    h.advance(1min);
    for (const auto& datagram : h.take()) {
        auto message = proto::Message::parse(datagram);
        ASSERT_TRUE(message.ok());
        for (const auto& assignment : message->assignments()) {
            EXPECT_EQ(assignment.key, "STATUS") << datagram;
        }
    }
    EXPECT_EQ(h.broker.state(), BrokerState::stopping);
    EXPECT_EQ(h.broker.config().groups[0].expected, 2U);
    EXPECT_EQ(h.last_status(), "1/2 workers ready; stopping; web-2 stopped");
}

TEST(Stopping, RefusesNewWorkers) {
    Harness h(pool_of(2));
    h.broker.request_stop(h.now);
    EXPECT_EQ(h.worker(1, "READY=1"), Verdict::stopping);
    EXPECT_EQ(h.broker.counts().known, 0U);
}

TEST(Stopping, LeavesNothingToWakeUpForOnceTheStatusIsOut) {
    BrokerConfig config = pool_of(1);
    config.groups[0].start_timeout = 5s;
    Harness h(config, UpstreamContext{.watchdog = 4s});
    h.worker(1, "STATUS=loading");
    h.broker.request_stop(h.now);
    h.drain();
    EXPECT_EQ(h.broker.next_deadline(), std::nullopt);
}

TEST(ExtendTimeout, IsSentWhenAWorkerBecomesReadyWhileStarting) {
    BrokerConfig config = pool_of(3);
    config.extend_timeout = 30s;
    Harness h(config);
    h.worker(1, "READY=1");
    EXPECT_EQ(value_of(h.sent.back(), "EXTEND_TIMEOUT_USEC"), "30000000");
    h.worker(1, "READY=1"); // no progress: nothing more
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 1U);
    h.worker(2, "READY=1");
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 2U);
    h.worker(3, "READY=1"); // the pool is ready: READY=1 ends the start instead
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 2U);
    EXPECT_THAT(h.sent.back(), HasSubstr("READY=1"));
}

TEST(ExtendTimeout, IsPassedOnWhenAWorkerAsksWhileTheBrokerStarts) {
    Harness h(pool_of(2));
    h.worker(1, "EXTEND_TIMEOUT_USEC=7000000");
    EXPECT_EQ(value_of(h.sent.back(), "EXTEND_TIMEOUT_USEC"), "7000000");
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.worker(2, "EXTEND_TIMEOUT_USEC=7000000"); // the broker is ready: not passed on
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 1U);
}

TEST(ExtendTimeout, RequestsAreCoalescedToTheLargestWithinTheStatusInterval) {
    BrokerConfig config = pool_of(2);
    config.status_interval = 1s;
    Harness h(config);
    h.take();
    h.worker(1, "EXTEND_TIMEOUT_USEC=5000000");
    h.worker(2, "EXTEND_TIMEOUT_USEC=9000000");
    h.worker(1, "EXTEND_TIMEOUT_USEC=6000000");
    EXPECT_EQ(h.take().size(), 0U);
    h.advance(1s);
    const auto fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "EXTEND_TIMEOUT_USEC"), "9000000");
    EXPECT_THAT(fresh[0], Not(HasSubstr("READY")));
}

} // namespace
} // namespace nb::core::testing
