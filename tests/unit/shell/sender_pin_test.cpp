// The pure pieces of pinning a sender without SCM_PIDFD: which ids a process
// may put in SCM_CREDENTIALS, a pidfd's fdinfo, and the enqueue time.

#include "shell/sender_pin.hpp"

#include <gtest/gtest.h>

namespace nb::daemon {
namespace {

constexpr std::string_view status =
    "Name:\tworker\nUid:\t1000\t0\t2000\t0\nGid:\t100\t100\t300\t100\n";

TEST(ASendersIds, MatchTheRealEffectiveOrSavedIdsOfTheProcess) {
    EXPECT_TRUE(status_has_ids(status, 1000, 100));
    EXPECT_TRUE(status_has_ids(status, 0, 100));
    EXPECT_TRUE(status_has_ids(status, 2000, 300));
}

TEST(ASendersIds, AreRefusedWhenTheProcessHasNoneOfThem) {
    EXPECT_FALSE(status_has_ids(status, 65534, 100));
    EXPECT_FALSE(status_has_ids(status, 1000, 65534));
    EXPECT_FALSE(status_has_ids("Name:\tx\n", 0, 0));
    EXPECT_FALSE(status_has_ids("Uid:\t\nGid:\t0\t0\t0\t0\n", 0, 0));
}

TEST(APidfdsFdinfo, SaysThePidOrMinusOneOnceReaped) {
    EXPECT_EQ(
        pid_from_fdinfo("pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1\nPid:\t42\nNSpid:\t42\n"),
        42);
    EXPECT_EQ(pid_from_fdinfo("pos:\t0\nPid:\t-1\n"), -1);
    EXPECT_FALSE(pid_from_fdinfo("pos:\t0\n").has_value());
    EXPECT_FALSE(pid_from_fdinfo("Pid:\tx\n").has_value());
}

TEST(TheEnqueueTime, IsTheTimestampsAgeBeforeNowOnTheBootClock) {
    const timespec real_now{1000, 500};
    const timespec boot_now{50, 0};
    EXPECT_EQ(queued_boottime(timespec{998, 500}, real_now, boot_now), 48'000'000'000U);
    // No timestamp, or one from the future (the real-time clock stepped back): now.
    EXPECT_EQ(queued_boottime(std::nullopt, real_now, boot_now), 50'000'000'000U);
    EXPECT_EQ(queued_boottime(timespec{2000, 0}, real_now, boot_now), 50'000'000'000U);
    // Older than the boot: saturates at 0.
    EXPECT_EQ(queued_boottime(timespec{1, 0}, real_now, boot_now), 0U);
}

} // namespace
} // namespace nb::daemon
