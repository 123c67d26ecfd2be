// Every time span has a bound: at most a year anywhere, tighter per key, the
// same on the command line. Out of range is refused at file:line:col with the
// bound named (issue 11, finding 7: "20000w" was accepted and, added to the
// clock in nanoseconds, made every worker late at once).
#include "config/command_line.hpp"
#include "config/config_loader.hpp"
#include "config/duration.hpp"

#include <gtest/gtest.h>

namespace nb::config {
namespace {

using namespace std::chrono_literals;

std::string error_of(std::string_view text) {
    auto result = load_config_string(text, "test.toml");
    EXPECT_FALSE(result.ok()) << "accepted:\n" << text;
    return result ? "" : result.error().message;
}

TEST(AHugeTimeSpan, IsRefusedWithItsPlaceAndTheBound) {
    EXPECT_EQ(error_of("[[group]]\nname = \"web\"\nstart_timeout = \"20000w\"\n"),
              "test.toml:3:17: group.start_timeout: '20000w' is too long: the maximum is 1d");
    EXPECT_EQ(error_of("[[group]]\nname = \"web\"\nwatchdog = \"20000w\"\n"),
              "test.toml:3:12: group.watchdog: '20000w' is too long: the maximum is 1d");
    EXPECT_EQ(error_of("[broker]\nextend_timeout = \"2h\"\n"),
              "test.toml:2:18: broker.extend_timeout: '2h' is too long: the maximum is 1h");
    EXPECT_EQ(error_of("[broker]\nmax_extend_timeout = \"1h 1us\"\n"),
              "test.toml:2:22: broker.max_extend_timeout: '1h 1us' is too long: the maximum is "
              "1h");
    EXPECT_EQ(error_of("[broker]\nstatus_interval = \"20000w\"\n"),
              "test.toml:2:19: broker.status_interval: '20000w' is too long: the maximum is 1h");
}

TEST(AHugeTimeSpan, InSecondsIsRefusedWithTheBoundToo) {
    EXPECT_EQ(error_of("[[group]]\nname = \"web\"\nstart_timeout = 86401\n"),
              "test.toml:3:17: group.start_timeout: 86401 is too long: the maximum is 1d");
    EXPECT_EQ(error_of("[broker]\nextend_timeout = 9223372036854775807\n"),
              "test.toml:2:18: broker.extend_timeout: 9223372036854775807 is too long: the "
              "maximum is 1h");
}

TEST(ATimeSpanAtItsBound, IsAccepted) {
    auto loaded = load_config_string("[broker]\nextend_timeout = \"1h\"\nmax_extend_timeout = "
                                     "3600\nstatus_interval = \"60min\"\n[[group]]\nname = "
                                     "\"web\"\nstart_timeout = \"1d\"\nwatchdog = \"24h\"\n",
                                     "test.toml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->broker.extend_timeout, 1h);
    EXPECT_EQ(loaded->broker.max_extend_timeout, 1h);
    EXPECT_EQ(loaded->broker.status_interval, 1h);
    EXPECT_EQ(loaded->broker.groups[0].start_timeout, 24h);
    EXPECT_EQ(loaded->broker.groups[0].watchdog, 24h);
}

TEST(MaxExtendTimeout, DefaultsToFiveMinutesAndZeroTurnsRelayingOff) {
    auto defaults = load_config_string("", "test.toml");
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(defaults->broker.max_extend_timeout, 5min);
    auto off = load_config_string("[broker]\nmax_extend_timeout = \"0\"\n", "test.toml");
    ASSERT_TRUE(off.ok());
    EXPECT_EQ(off->broker.max_extend_timeout, 0us);
}

TEST(AnyTimeSpan, IsAtMostAYear) {
    auto result = parse_duration("20000w");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "'20000w' is too long: the maximum is 52w 1d (a year)");
    EXPECT_TRUE(parse_duration("365d").ok());
    EXPECT_FALSE(parse_duration("365d 1us").ok());
}

TEST(AHugeStatusIntervalOnTheCommandLine, IsRefusedWithTheBound) {
    auto result = parse_command_line(std::vector<std::string>{"--status-interval", "20000w"});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "--status-interval: '20000w' is too long: the maximum is 1h");
}

TEST(AWorkersOwnWatchdogBounds, AreReadAndMustNotCross) {
    auto loaded = load_config_string("[[group]]\nname = \"web\"\nworker_watchdog_min = \"2s\"\n"
                                     "worker_watchdog_max = \"10min\"\n",
                                     "test.toml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->broker.groups[0].worker_watchdog_min, 2s);
    EXPECT_EQ(loaded->broker.groups[0].worker_watchdog_max, 10min);
    EXPECT_EQ(error_of("[[group]]\nname = \"web\"\nworker_watchdog_max = \"500ms\"\n"),
              "test.toml:3:23: group.worker_watchdog_max: worker_watchdog_min is more than "
              "worker_watchdog_max");
}

} // namespace
} // namespace nb::config
