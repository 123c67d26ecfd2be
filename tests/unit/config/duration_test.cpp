#include "config/duration.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nb::config {
namespace {

using namespace std::chrono_literals;

std::chrono::microseconds parsed(std::string_view text) {
    auto result = parse_duration(text);
    EXPECT_TRUE(result.ok()) << text << ": " << (result ? "" : result.error().message);
    return result ? *result : std::chrono::microseconds{-1};
}

std::string why(std::string_view text) {
    auto result = parse_duration(text);
    EXPECT_FALSE(result.ok()) << text << " was accepted";
    return result ? "" : result.error().message;
}

TEST(Duration, ReadsEverySystemdUnit) {
    EXPECT_EQ(parsed("7us"), 7us);
    EXPECT_EQ(parsed("7usec"), 7us);
    EXPECT_EQ(parsed("500ms"), 500ms);
    EXPECT_EQ(parsed("500msec"), 500ms);
    EXPECT_EQ(parsed("3s"), 3s);
    EXPECT_EQ(parsed("3sec"), 3s);
    EXPECT_EQ(parsed("3seconds"), 3s);
    EXPECT_EQ(parsed("2min"), 2min);
    EXPECT_EQ(parsed("2minutes"), 2min);
    EXPECT_EQ(parsed("2m"), 2min) << "as systemd reads it";
    EXPECT_EQ(parsed("1h"), 1h);
    EXPECT_EQ(parsed("1hr"), 1h);
    EXPECT_EQ(parsed("2d"), 48h);
    EXPECT_EQ(parsed("1w"), 168h);
}

TEST(Duration, ABareNumberIsSeconds) {
    EXPECT_EQ(parsed("90"), 90s);
    EXPECT_EQ(parsed("0"), 0us);
}

TEST(Duration, CombinesPartsWithOrWithoutSpaces) {
    EXPECT_EQ(parsed("1min 30s"), 90s);
    EXPECT_EQ(parsed("1min30s"), 90s);
    EXPECT_EQ(parsed(" 1h 2min 3s 4ms 5us "), 1h + 2min + 3s + 4ms + 5us);
    EXPECT_EQ(parsed("5 s"), 5s);
}

TEST(Duration, AcceptsFractions) {
    EXPECT_EQ(parsed("1.5s"), 1500ms);
    EXPECT_EQ(parsed("0.25min"), 15s);
    EXPECT_EQ(parsed("0.001s"), 1ms);
}

TEST(Duration, RefusesWhatIsNotATimeSpan) {
    EXPECT_EQ(why(""), "'' is not a time span: it is empty");
    EXPECT_EQ(why("-1s"), "'-1s' is not a time span: it is negative");
    EXPECT_EQ(why("5 parsecs"),
              "'5 parsecs' is not a time span: unknown unit 'parsecs' (use us, ms, s, min, h, d "
              "or w)");
    EXPECT_EQ(why("s"), "'s' is not a time span: expected a number");
    EXPECT_EQ(why("1."), "'1.' is not a time span: expected digits after '.'");
    EXPECT_EQ(why("5 3s"), "'5 3s' is not a time span: a number without a unit must stand alone");
    EXPECT_EQ(why("99999999999999999999s"),
              "'99999999999999999999s' is not a time span: it is too long");
    EXPECT_EQ(why("9999999999w"), "'9999999999w' is not a time span: it is too long");
}

TEST(Duration, FormatsTheShortestExactForm) {
    EXPECT_EQ(format_duration(0us), "0");
    EXPECT_EQ(format_duration(500ms), "500ms");
    EXPECT_EQ(format_duration(90s), "1min 30s");
    EXPECT_EQ(format_duration(1h + 1us), "1h 1us");
    EXPECT_EQ(format_duration(168h + 24h), "1w 1d");
}

TEST(Duration, FormattedSpansReadBackToTheSameValue) {
    const std::vector<std::chrono::microseconds> spans{0us, 1us,   999us, 1ms,          1500ms, 59s,
                                                       61s, 3599s, 3601s, 86401s + 7us, 1000h};
    for (std::chrono::microseconds span : spans) {
        EXPECT_EQ(parsed(format_duration(span)), span) << format_duration(span);
    }
}

} // namespace
} // namespace nb::config
