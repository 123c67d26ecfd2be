#pragma once
// systemd-style time spans ("500ms", "1min 30s", "2.5s"), as systemd.time(7)
// writes them, so that an administrator can copy a value from a unit file.

#include <nb/proto/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace nb::config {

/// No time span read from a config or the command line is longer: a year is
/// far beyond any timeout, and far below what a nanosecond clock can add.
inline constexpr std::chrono::microseconds longest_duration = std::chrono::hours(24 * 365);
/// Tighter bounds per key (config file and command line alike).
inline constexpr std::chrono::microseconds longest_status_interval = std::chrono::hours(1);
inline constexpr std::chrono::microseconds longest_start_timeout = std::chrono::hours(24);
inline constexpr std::chrono::microseconds longest_watchdog = std::chrono::hours(24);
inline constexpr std::chrono::microseconds longest_extend_timeout = std::chrono::hours(1);
inline constexpr std::chrono::microseconds longest_max_extend_timeout = std::chrono::hours(1);

/// Parses a time span: one or more "<number><unit>" parts, optionally separated
/// by spaces ("1min 30s", "1min30s"); the number may have a fraction ("1.5s").
/// Units: us usec, ms msec, s sec second(s), min m minute(s), h hr hour(s),
/// d day(s), w week(s). A bare number is seconds, like systemd.
/// Returns an Error naming what is wrong (unknown unit, empty, negative, or
/// longer than `max`, which the message names).
[[nodiscard]] proto::Result<std::chrono::microseconds>
parse_duration(std::string_view text, std::chrono::microseconds max = longest_duration);

/// "the maximum is 1h" (with "(a year)" for longest_duration), for messages.
[[nodiscard]] std::string maximum_text(std::chrono::microseconds max);

/// The shortest exact systemd-style form: 90s -> "1min 30s", 0 -> "0".
/// parse_duration(format_duration(d)) == d for every d >= 0.
[[nodiscard]] std::string format_duration(std::chrono::microseconds span);

} // namespace nb::config
