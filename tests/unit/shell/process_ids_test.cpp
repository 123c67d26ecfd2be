// Effective ids from /proc/PID/status text (read from a real process in
// tests/integration/daemon/proc_files_test.cpp).
#include "shell/process_ids.hpp"

#include <gtest/gtest.h>

namespace nb::daemon {
namespace {

TEST(EffectiveIds, AreTheSecondFieldOfTheUidAndGidLines) {
    const auto ids = effective_ids_from_status("Name:\tsh\nUid:\t1000\t0\t0\t0\n"
                                               "Gid:\t100\t65534\t65534\t65534\nGroups:\t\n");
    ASSERT_TRUE(ids);
    EXPECT_EQ(*ids, (ProcessIds{0, 65534}));
}

TEST(EffectiveIds, AreNothingWhenALineIsMissingOrMalformed) {
    EXPECT_FALSE(effective_ids_from_status("Uid:\t1\t2\t3\t4\n"));
    EXPECT_FALSE(effective_ids_from_status("Gid:\t1\t2\t3\t4\n"));
    EXPECT_FALSE(effective_ids_from_status("Uid:\t1\nGid:\t1\t2\n"));
    EXPECT_FALSE(effective_ids_from_status("Uid:\tx\ty\nGid:\t1\t2\n"));
    EXPECT_FALSE(effective_ids_from_status(""));
}

} // namespace
} // namespace nb::daemon
