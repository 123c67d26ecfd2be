// Workers past a group's expected count are spares: they count as known and
// their STATUS shows, but a late one cannot stop the broker's watchdog while
// the group has its expected number of ready workers (issue 11, finding 8).
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

BrokerConfig watched_pool_with_start_timeout(unsigned expected) {
    BrokerConfig config = pool_of(expected);
    config.groups[0].watchdog = 10s;
    config.groups[0].start_timeout = 5s;
    return config;
}

const UpstreamContext broker_watchdog{.watchdog = 20s};

TEST(AWorkerBeyondItsGroupsExpectedCount, CannotStarveTheBrokersWatchdog) {
    Harness h(watched_pool_with_start_timeout(2), broker_watchdog);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.worker(99, "STATUS=just a status"); // never ready: late at +5 s
    const auto pings_before = h.count("WATCHDOG", "1");
    for (int i = 0; i < 6; ++i) {
        h.advance(5s);
        h.worker(1, "WATCHDOG=1");
        h.worker(2, "WATCHDOG=1");
    }
    ASSERT_EQ(h.broker.workers(h.now)[2].name, "web-99");
    EXPECT_EQ(h.broker.workers(h.now)[2].state, WorkerState::late);
    EXPECT_EQ(h.count("WATCHDOG", "1"), pings_before + 3); // +10 s, +20 s, +30 s
}

TEST(AWorkerBeyondItsGroupsExpectedCount, DoesNotCoverForAHungWorkerWhileItIsNotReady) {
    Harness h(watched_pool_with_start_timeout(2), broker_watchdog);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.worker(99, "STATUS=warming up");
    const auto pings_before = h.count("WATCHDOG", "1");
    for (int i = 0; i < 6; ++i) { // web-2 hangs
        h.advance(5s);
        h.worker(1, "WATCHDOG=1");
    }
    EXPECT_EQ(h.broker.workers(h.now)[1].state, WorkerState::late);
    EXPECT_EQ(h.count("WATCHDOG", "1"), pings_before);
}

TEST(AWorkerBeyondItsGroupsExpectedCount, StillShowsInTheCountsAndTheStatus) {
    Harness h(watched_pool_with_start_timeout(2), broker_watchdog);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.worker(99, "STATUS=just a status");
    h.advance(6s);
    EXPECT_EQ(h.broker.counts().known, 3U);
    EXPECT_THAT(h.last_status(), ::testing::HasSubstr("web-99 late (just a status)"));
}

} // namespace
} // namespace nb::core::testing
