// Drops are counted per reason whatever the log does; the log itself is bounded.

#include "base/rate_limited_log.hpp"
#include "shell/drop_log.hpp"

#include <gtest/gtest.h>

namespace nb::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimitedLog::Clock;

class QuietLog : public ::testing::Test {
protected:
    // Counting is what is under test: keep the lines out of the test output.
    void SetUp() override { set_log_level(LogLevel::err); }
    void TearDown() override { set_log_level(LogLevel::info); }
};

using ARateLimitedLog = QuietLog;
using TheDropLog = QuietLog;

TEST_F(ARateLimitedLog, LinesBeyondTheBurstAreSuppressedUntilTheIntervalEnds) {
    RateLimitedLog log(3, 1000ms);
    const auto start = Clock::now();
    for (int i = 0; i < 10; ++i) {
        log.log(LogLevel::err, "line", start + std::chrono::milliseconds(i));
    }
    EXPECT_EQ(log.suppressed_total(), 7U);
    // A new interval: the burst is available again.
    log.log(LogLevel::err, "line", start + 1500ms);
    EXPECT_EQ(log.suppressed_total(), 7U);
}

TEST_F(TheDropLog, EveryDropIsCountedUnderItsReason) {
    DropLog drops;
    const auto now = Clock::now();
    for (int i = 0; i < 1000; ++i) {
        drops.drop(DropReason::rate_limited, "flood", 42, 1000, now);
    }
    drops.drop(DropReason::oversize, "big", 43, 0, now);
    drops.drop(DropReason::no_credentials, "", 0, 0, now);
    EXPECT_EQ(drops.count(DropReason::rate_limited), 1000U);
    EXPECT_EQ(drops.count(DropReason::oversize), 1U);
    EXPECT_EQ(drops.count(DropReason::malformed), 0U);
    EXPECT_EQ(drops.total(), 1002U);
    EXPECT_EQ(drops.summary(), "oversize=1 no-credentials=1 rate-limited=1000");
}

TEST_F(TheDropLog, NothingDroppedReadsNone) {
    EXPECT_EQ(DropLog().summary(), "none");
}

TEST(DropReason, EveryCoreVerdictButAcceptedMapsToItsOwnReason) {
    EXPECT_EQ(drop_reason_for(core::Verdict::forbidden_key), DropReason::forbidden_key);
    EXPECT_EQ(drop_reason_for(core::Verdict::unauthorised), DropReason::unauthorised);
    EXPECT_EQ(drop_reason_for(core::Verdict::name_denied), DropReason::name_denied);
    EXPECT_EQ(drop_reason_for(core::Verdict::invalid_name), DropReason::invalid_name);
    EXPECT_EQ(drop_reason_for(core::Verdict::rate_limited), DropReason::rate_limited);
    EXPECT_EQ(drop_reason_for(core::Verdict::too_many_workers), DropReason::too_many_workers);
    EXPECT_EQ(drop_reason_for(core::Verdict::stopping), DropReason::stopping);
    EXPECT_EQ(drop_reason_for(core::Verdict::name_held), DropReason::name_held);
    EXPECT_EQ(to_string(DropReason::name_held), "name-held");
}

} // namespace
} // namespace nb::daemon
