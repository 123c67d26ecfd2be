// What the shell reads from /proc of real processes, for a live process and a
// gone one: its unit, and its start time (the restart path's proof that a pid
// is still the same process).
#include "shell/process_ids.hpp"
#include "shell/process_start_time.hpp"
#include "shell/unit_name.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

TEST(UnitName, AProcessThatIsGoneHasNoUnit) {
    EXPECT_EQ(read_unit_of(0x3fffffff), "");
}

TEST(UnitName, OurOwnCgroupFileCanBeRead) {
    // Whatever it is here (a unit or none), reading it must not fail or throw.
    EXPECT_NO_THROW((void)read_unit_of(::getpid()));
}

TEST(AProcessStartTime, IsReadForALiveProcessAndNothingForAGoneOne) {
    const auto own = read_start_time(::getpid());
    ASSERT_TRUE(own.has_value());
    EXPECT_GT(*own, 0U);
    EXPECT_EQ(read_start_time(::getpid()), own) << "a process's start time never changes";
    const pid_t child = ::fork();
    if (child == 0) {
        ::_exit(0);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_EQ(read_start_time(child), std::nullopt);
}

TEST(EffectiveIds, AreOursForOurselvesAndNothingForAGoneProcess) {
    const auto ids = read_effective_ids(::getpid());
    ASSERT_TRUE(ids);
    EXPECT_EQ(*ids, (ProcessIds{::geteuid(), ::getegid()}));
    EXPECT_FALSE(read_effective_ids(0x3fffffff));
}

} // namespace
} // namespace nb::daemon
