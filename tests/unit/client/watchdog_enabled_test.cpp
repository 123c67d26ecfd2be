#include <nb/client/environment.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <unistd.h>

namespace nb::client {
namespace {

using std::chrono::microseconds;

class WatchdogEnabled : public ::testing::Test {
protected:
    void SetUp() override { clear(); }
    void TearDown() override { clear(); }
    static void clear() {
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
    }
};

TEST_F(WatchdogEnabled, IsOffWithoutWatchdogUsec) {
    EXPECT_EQ(watchdog_enabled(), std::nullopt);
}

TEST_F(WatchdogEnabled, GivesTheIntervalWhenNoPidIsNamed) {
    setenv("WATCHDOG_USEC", "30000000", 1);
    EXPECT_EQ(watchdog_enabled(), microseconds(30'000'000));
}

TEST_F(WatchdogEnabled, GivesTheIntervalWhenThePidIsOurs) {
    setenv("WATCHDOG_USEC", "500", 1);
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
    EXPECT_EQ(watchdog_enabled(), microseconds(500));
}

TEST_F(WatchdogEnabled, IsOffWhenThePidIsAnotherProcess) {
    setenv("WATCHDOG_USEC", "500", 1);
    setenv("WATCHDOG_PID", std::to_string(getppid()).c_str(), 1);
    EXPECT_EQ(watchdog_enabled(), std::nullopt);
}

TEST_F(WatchdogEnabled, IsOffForZeroInfinityAndGarbage) {
    for (const char* value : {"0", "18446744073709551615", "abc", "", "-5", "10s"}) {
        setenv("WATCHDOG_USEC", value, 1);
        EXPECT_EQ(watchdog_enabled(), std::nullopt) << value;
    }
}

TEST_F(WatchdogEnabled, UnsetsBothVariablesWhenAsked) {
    setenv("WATCHDOG_USEC", "500", 1);
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
    EXPECT_EQ(watchdog_enabled(true), microseconds(500));
    EXPECT_EQ(std::getenv("WATCHDOG_USEC"), nullptr);
    EXPECT_EQ(std::getenv("WATCHDOG_PID"), nullptr);
}

TEST_F(WatchdogEnabled, KeepsTheVariablesByDefault) {
    setenv("WATCHDOG_USEC", "500", 1);
    (void)watchdog_enabled();
    EXPECT_NE(std::getenv("WATCHDOG_USEC"), nullptr);
}

} // namespace
} // namespace nb::client
