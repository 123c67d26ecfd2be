// The consolidated STATUS: coalescing with a trailing flush, no duplicates, the
// configurable format, and generation() for D-Bus.
#include "harness.hpp"

#include <gmock/gmock.h>

#include <string>
#include <utility>

namespace nb::core::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

BrokerConfig throttled_pool(unsigned expected) {
    BrokerConfig config = pool_of(expected);
    config.status_interval = 500ms;
    return config;
}

BrokerConfig formatted_pool(unsigned expected, std::string format) {
    BrokerConfig config = pool_of(expected);
    config.status_format = std::move(format);
    return config;
}

TEST(TheStatus, IsSentAtStartup) {
    Harness h(pool_of(4));
    EXPECT_THAT(h.sent, ElementsAre("STATUS=0/4 workers ready"));
}

TEST(TheStatus, ChangesInsideTheIntervalAreHeldBackAndFlushedAtItsEnd) {
    Harness h(throttled_pool(4));
    h.take();
    h.advance(100ms);
    h.worker(1, "STATUS=loading");
    h.advance(100ms);
    h.worker(1, "STATUS=still loading");
    EXPECT_TRUE(h.take().empty()); // 200 ms after the last send
    h.advance(299ms);
    EXPECT_TRUE(h.take().empty());
    h.advance(1ms);
    EXPECT_THAT(h.take(), ElementsAre("STATUS=0/4 workers ready; web-1 starting (still loading)"));
}

TEST(TheStatus, GoesOutAtOnceWhenTheIntervalHasPassed) {
    Harness h(throttled_pool(4));
    h.take();
    h.advance(10s);
    h.worker(1, "STATUS=loading");
    EXPECT_THAT(h.take(), ElementsAre("STATUS=0/4 workers ready; web-1 starting (loading)"));
}

TEST(TheStatus, LeavesOutAWorkerStatusThatOnlyRepeatsItsState) {
    Harness h(throttled_pool(4));
    h.take();
    h.advance(10s);
    h.worker(1, "STATUS=starting");
    EXPECT_THAT(h.take(), ElementsAre("STATUS=0/4 workers ready; web-1 starting"));
}

TEST(TheStatus, IsNotSentAgainWhenItComesBackToWhatSystemdAlreadyHas) {
    Harness h(throttled_pool(4));
    h.advance(1s);
    h.worker(1, "STATUS=a");
    h.take();
    h.worker(1, "STATUS=b");
    h.worker(1, "STATUS=a");
    h.advance(10s);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.ticks, 1U); // the trailing flush looked, found nothing new
}

TEST(TheStatus, IsNotRepeatedWhenNothingChanged) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    const auto before = h.sent.size();
    for (int i = 0; i < 10; ++i) {
        h.worker(1, "READY=1\nWATCHDOG=1");
    }
    EXPECT_EQ(h.sent.size(), before);
}

TEST(TheStatus, RidesAlongWithReadyWithoutWaitingForTheInterval) {
    Harness h(throttled_pool(1));
    h.take();
    h.worker(1, "READY=1");
    EXPECT_THAT(h.take(), ElementsAre("READY=1\nSTATUS=1/1 workers ready"));
}

TEST(TheStatus, ListsAFewWorkersThenCountsTheRest) {
    Harness h(pool_of(6));
    for (unsigned n = 1; n <= 6; ++n) {
        h.worker(n, "STATUS=x");
    }
    EXPECT_EQ(h.last_status(), "0/6 workers ready; web-1 starting (x), web-2 starting (x), "
                               "web-3 starting (x), web-4 starting (x), +2 more");
}

TEST(TheStatus, FollowsTheConfiguredFormat) {
    Harness h(formatted_pool(2, "[{state}] {ready} of {expected} up{details}{unknown}"));
    h.worker(1, "READY=1");
    EXPECT_EQ(h.last_status(), "[starting] 1 of 2 up{unknown}");
    h.worker(2, "READY=1");
    EXPECT_EQ(h.last_status(), "[ready] 2 of 2 up{unknown}");
}

TEST(TheStatus, DoesNotExpandPlaceholdersInsideWorkerText) {
    Harness h(formatted_pool(2, "{details} / {ready}"));
    h.worker(1, "STATUS={ready}{state}");
    EXPECT_EQ(h.last_status(), "web-1 starting ({ready}{state}) / 0");
}

TEST(TheStatus, StaysOneLineEvenWithANewlineInTheFormat) {
    Harness h(formatted_pool(2, "{ready}\nREADY=1"));
    EXPECT_EQ(h.count("READY"), 0U);
    EXPECT_EQ(h.last_status(), "0 READY=1");
}

TEST(TheStatus, IsBoundedWhateverTheWorkersSay) {
    BrokerConfig config = pool_of(3);
    config.max_status_length = 4000;
    Harness h(config);
    const std::string huge(3000, 'x');
    for (unsigned n = 1; n <= 3; ++n) {
        h.worker(n, "STATUS=" + huge);
    }
    EXPECT_LE(h.last_status().size(), 1024U);
    for (const auto& datagram : h.sent) {
        EXPECT_LT(datagram.size(), proto::max_datagram_size);
    }
}

TEST(Generation, GrowsOnObservableChangesOnly) {
    Harness h(pool_of(2));
    const auto start = h.broker.generation();
    h.worker(1, "STATUS=a");
    const auto after_status = h.broker.generation();
    EXPECT_GT(after_status, start);
    h.worker(1, "STATUS=a");
    h.worker(1, "WATCHDOG=1");
    EXPECT_EQ(h.broker.generation(), after_status);
    h.worker(1, "READY=1");
    EXPECT_GT(h.broker.generation(), after_status);
}

TEST(TheWorkerTable, ShowsLiveWorkersThenRecentDepartures) {
    Harness h(pool_of(3));
    h.worker(1, "READY=1");
    h.advance(2s);
    h.worker(1, "WATCHDOG=1");
    h.worker(2, "STATUS=warming");
    h.worker(3, "READY=1");
    h.exit(103);
    h.advance(1s);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[0].name, "web-1");
    EXPECT_EQ(rows[0].state, WorkerState::ready);
    EXPECT_EQ(rows[0].last_ping_age, std::chrono::microseconds(1s));
    EXPECT_EQ(rows[1].status, "warming");
    EXPECT_EQ(rows[1].last_ping_age, std::nullopt);
    EXPECT_EQ(rows[2].name, "web-3");
    EXPECT_EQ(rows[2].state, WorkerState::gone);
    EXPECT_EQ(rows[2].group, "web");
}

TEST(DepartedWorkers, AreForgottenOnceReportedAndTheGroupIsFullAgain) {
    auto config = pool_of(1);
    config.groups[0].min_ready = 1;
    config.groups[0].expected = 1;
    Harness h(config);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1"); // an extra one
    h.exit(102);            // the group is still full: nothing to explain
    EXPECT_EQ(h.broker.workers(h.now).size(), 1U);
}

TEST(DepartedWorkers, AreBoundedInNumber) {
    Harness h(pool_of(1000));
    for (unsigned n = 1; n <= 500; ++n) {
        h.worker(n, "STATUS=x");
        h.exit(static_cast<pid_t>(100 + n));
    }
    EXPECT_LE(h.broker.workers(h.now).size(), 64U);
    EXPECT_THAT(h.last_status(), HasSubstr("gone (x), +60 more"));
}

} // namespace
} // namespace nb::core::testing
