#include "core/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace nb::core {
namespace {

using namespace std::chrono_literals;
const TimePoint t0 = TimePoint{} + 1000s;

unsigned allowed(RateLimiter& limiter, const std::string& key, unsigned tries, TimePoint now) {
    unsigned n = 0;
    for (unsigned i = 0; i < tries; ++i) {
        n += limiter.allow(key, now) ? 1 : 0;
    }
    return n;
}

TEST(ATokenBucket, AllowsABurstThenTheSustainedRate) {
    RateLimiter limiter(RateLimit{.burst = 20, .per_second = 10}, 100);
    EXPECT_EQ(allowed(limiter, "1", 100, t0), 20U);
    EXPECT_EQ(allowed(limiter, "1", 100, t0 + 500ms), 5U);
    EXPECT_EQ(allowed(limiter, "1", 100, t0 + 1h), 20U); // never more than the burst
}

TEST(ATokenBucket, BelongsToOneSenderOnly) {
    RateLimiter limiter(RateLimit{.burst = 5, .per_second = 1}, 100);
    EXPECT_EQ(allowed(limiter, "1", 1000, t0), 5U);
    EXPECT_EQ(allowed(limiter, "2", 3, t0), 3U);
    EXPECT_EQ(allowed(limiter, ":1.7", 3, t0), 3U);
}

TEST(TheRateLimiter, KeysSocketSendersByPidAndBusSendersByName) {
    Sender socket;
    socket.pid = 42;
    Sender bus;
    bus.source = Source::dbus;
    bus.pid = 42;
    bus.bus_name = ":1.9";
    EXPECT_EQ(RateLimiter::key_of(socket), "42");
    EXPECT_EQ(RateLimiter::key_of(bus), ":1.9");
}

TEST(TheRateLimiter, StaysBoundedAndSharesAnOverflowBucketWhenFull) {
    RateLimiter limiter(RateLimit{.burst = 2, .per_second = 1}, 10);
    for (int pid = 0; pid < 10; ++pid) {
        EXPECT_EQ(allowed(limiter, std::to_string(pid), 2, t0), 2U);
    }
    // Ten busy senders fill the table: strangers share one bucket.
    EXPECT_EQ(allowed(limiter, "100", 1, t0), 1U);
    EXPECT_EQ(allowed(limiter, "101", 5, t0), 1U);
    EXPECT_EQ(limiter.size(), 10U);
    // Once the old buckets have refilled they are forgotten and room is made.
    EXPECT_EQ(allowed(limiter, "102", 2, t0 + 10s), 2U);
    EXPECT_LE(limiter.size(), 10U);
}

TEST(TheRateLimiter, ForgetsASenderWhoseProcessExited) {
    RateLimiter limiter(RateLimit{.burst = 1, .per_second = 1}, 10);
    EXPECT_TRUE(limiter.allow("7", t0));
    EXPECT_FALSE(limiter.allow("7", t0));
    limiter.forget("7"); // the pid may now belong to someone else
    EXPECT_TRUE(limiter.allow("7", t0));
}

} // namespace
} // namespace nb::core
