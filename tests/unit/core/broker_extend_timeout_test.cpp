// EXTEND_TIMEOUT_USEC and every other span added to `now`: a worker's request
// stretches its own start deadline, but reaches systemd only from a required
// worker that is not ready yet, only while the broker starts, and capped by
// max_extend_timeout; no span, however large, wraps a deadline into the past
// (issue 11, finding 7).
#include "core/saturating_time.hpp"
#include "harness.hpp"

#include <gmock/gmock.h>

#include <cstdint>
#include <limits>

namespace nb::core::testing {
namespace {

using ::testing::Optional;

constexpr std::string_view huge_extend = "EXTEND_TIMEOUT_USEC=18446744073709551615"; // 2^64-1

/// A required group "web" of one and an optional group "cache" of one.
BrokerConfig web_and_optional_cache() {
    BrokerConfig config = pool_of(1);
    config.groups[0].match = {"web-*"};
    GroupConfig cache;
    cache.name = "cache";
    cache.expected = 1;
    cache.required = false;
    cache.match = {"cache-*"};
    config.groups.push_back(cache);
    return config;
}

Verdict cache_worker(Harness& h, std::string_view rest) {
    return h.send(200, "X_WORKER=cache-1\n" + std::string(rest));
}

TEST(AnOptionalWorkersExtendTimeout, IsNotRelayedWhileTheBrokerStarts) {
    Harness h(web_and_optional_cache());
    ASSERT_EQ(h.broker.state(), BrokerState::starting);
    EXPECT_EQ(cache_worker(h, huge_extend), Verdict::accepted);
    EXPECT_EQ(cache_worker(h, "EXTEND_TIMEOUT_USEC=7000000"), Verdict::accepted);
    h.advance(1s);
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 0U);
}

TEST(AnOptionalWorkersExtendTimeout, StillStretchesItsOwnStartDeadline) {
    BrokerConfig config = web_and_optional_cache();
    config.groups[1].start_timeout = 5s;
    Harness h(config);
    cache_worker(h, "STATUS=warming");
    h.advance(4s);
    cache_worker(h, "EXTEND_TIMEOUT_USEC=10000000");
    h.advance(9s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::starting);
    h.advance(1s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::late);
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 0U);
}

TEST(AnOptionalWorkerBecomingReady, IsNoProgressThatExtendsTheStart) {
    BrokerConfig config = web_and_optional_cache();
    config.extend_timeout = 30s;
    Harness h(config);
    cache_worker(h, "READY=1");
    cache_worker(h, "RELOADING=1");
    cache_worker(h, "READY=1");
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 0U);
    h.worker(1, "STATUS=loading");
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 0U);
}

TEST(ARequiredWorkersExtendTimeout, IsCappedAtMaxExtendTimeout) {
    Harness h(web_and_optional_cache()); // max_extend_timeout: the default, 5 min
    h.worker(1, huge_extend);
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 1U);
    EXPECT_EQ(value_of(h.sent.back(), "EXTEND_TIMEOUT_USEC"), "300000000");
}

TEST(ARequiredWorkersExtendTimeout, IsCappedAtAConfiguredMaximum) {
    BrokerConfig config = pool_of(1);
    config.max_extend_timeout = 30s;
    Harness h(config);
    h.worker(1, "EXTEND_TIMEOUT_USEC=60000000");
    EXPECT_EQ(value_of(h.sent.back(), "EXTEND_TIMEOUT_USEC"), "30000000");
    h.worker(1, "EXTEND_TIMEOUT_USEC=10000000"); // below the cap: as asked
    EXPECT_EQ(value_of(h.sent.back(), "EXTEND_TIMEOUT_USEC"), "10000000");
}

TEST(ARequiredWorkersExtendTimeout, IsNeverRelayedWhenMaxExtendTimeoutIsZero) {
    BrokerConfig config = pool_of(1);
    config.max_extend_timeout = 0s;
    config.groups[0].start_timeout = 5s;
    Harness h(config);
    h.worker(1, "STATUS=loading");
    h.advance(4s);
    h.worker(1, "EXTEND_TIMEOUT_USEC=10000000");
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 0U);
    h.advance(9s);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::starting)
        << "its own deadline still stretches";
}

TEST(ARequiredWorkersExtendTimeout, IsNotRelayedOnceThatWorkerIsReady) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    ASSERT_EQ(h.broker.state(), BrokerState::starting);
    h.worker(1, "EXTEND_TIMEOUT_USEC=7000000"); // web-1 waits for nothing
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 0U);
    h.worker(2, "EXTEND_TIMEOUT_USEC=7000000"); // web-2 is what the start waits for
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 1U);
}

TEST(ARequiredWorkersExtendTimeout, IsRelayedOnlyWhileTheBrokerStarts) {
    BrokerConfig config = pool_of(2);
    config.groups[0].start_timeout = 5s;
    Harness h(config);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    ASSERT_EQ(h.broker.state(), BrokerState::ready);
    h.worker(2, "RELOADING=1\nEXTEND_TIMEOUT_USEC=7000000"); // ready: RuntimeMaxSec= is not theirs
    h.broker.begin_reload(h.now);
    h.drain();
    ASSERT_EQ(h.broker.state(), BrokerState::reloading);
    h.worker(1, "RELOADING=1\nEXTEND_TIMEOUT_USEC=7000000"); // the broker's reload waits for no one
    h.broker.finish_reload(std::nullopt, "kept", h.now);
    h.drain();
    h.exit(102);
    ASSERT_EQ(h.broker.state(), BrokerState::degraded);
    h.worker(3, "EXTEND_TIMEOUT_USEC=7000000");
    h.broker.request_stop(h.now);
    h.drain();
    h.worker(1, "EXTEND_TIMEOUT_USEC=7000000");
    h.advance(1min);
    EXPECT_EQ(h.count("EXTEND_TIMEOUT_USEC"), 0U);
}

TEST(AnExtendTimeoutOfTwoToTheSixtyFourMinusOne, SaturatesInsteadOfWrappingIntoThePast) {
    BrokerConfig config = pool_of(1);
    config.groups[0].start_timeout = 5s;
    Harness h(config);
    h.worker(1, "STATUS=loading");
    h.worker(1, huge_extend);
    const auto deadline = h.broker.next_deadline();
    ASSERT_TRUE(deadline);
    EXPECT_GT(*deadline, h.now + 5s);
    h.advance(24h * 365);
    EXPECT_EQ(h.broker.workers(h.now)[0].state, WorkerState::starting);
    EXPECT_EQ(h.last_status(), "0/1 workers ready; web-1 starting (loading)");
}

TEST(AHugeConfiguredSpan, NeitherMakesAWorkerLateAtOnceNorWraps) {
    BrokerConfig config = pool_of(2);
    config.groups[0].start_timeout = std::chrono::weeks(20000); // overflows as ns
    config.groups[0].watchdog = std::chrono::microseconds::max();
    Harness h(config, UpstreamContext{.watchdog = std::chrono::microseconds::max()});
    h.worker(1, "STATUS=loading");
    h.worker(2, "READY=1");
    h.advance(24h * 365);
    const auto workers = h.broker.workers(h.now);
    ASSERT_EQ(workers.size(), 2U);
    EXPECT_EQ(workers[0].state, WorkerState::starting);
    EXPECT_EQ(workers[1].state, WorkerState::ready);
}

TEST(AHugeStatusInterval, HoldsTheTrailingFlushWithoutWrapping) {
    BrokerConfig config = pool_of(2);
    config.status_interval = std::chrono::milliseconds::max();
    Harness h(config);
    h.take();
    h.worker(1, "STATUS=a");
    h.worker(1, "STATUS=b");
    EXPECT_THAT(h.broker.next_deadline(), Optional(TimePoint::max()));
    h.advance(24h);
    EXPECT_TRUE(h.take().empty()) << "a wrapped interval would have let it through";
}

TEST(SaturatingAdd, ClampsAtTheEndsOfTheClock) {
    const TimePoint near_end = TimePoint::max() - 1s;
    EXPECT_EQ(saturating_add(near_end, 2s), TimePoint::max());
    EXPECT_EQ(saturating_add(t0, std::chrono::microseconds::max()), TimePoint::max());
    EXPECT_EQ(saturating_add(t0, std::chrono::microseconds::min()), TimePoint::min());
    EXPECT_EQ(saturating_add(t0, 5s), t0 + 5s);
    EXPECT_EQ(saturating_add(t0, -5ms), t0 - 5ms);
}

} // namespace
} // namespace nb::core::testing
