#pragma once
// systemd-style time spans ("500ms", "1min 30s", "2.5s"), as systemd.time(7)
// writes them, so that an administrator can copy a value from a unit file.

#include <nb/proto/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace nb::config {

/// Parses a time span: one or more "<number><unit>" parts, optionally separated
/// by spaces ("1min 30s", "1min30s"); the number may have a fraction ("1.5s").
/// Units: us usec, ms msec, s sec second(s), min m minute(s), h hr hour(s),
/// d day(s), w week(s). A bare number is seconds, like systemd.
/// Returns an Error naming what is wrong (unknown unit, empty, negative, overflow).
[[nodiscard]] proto::Result<std::chrono::microseconds> parse_duration(std::string_view text);

/// The shortest exact systemd-style form: 90s -> "1min 30s", 0 -> "0".
/// parse_duration(format_duration(d)) == d for every d >= 0.
[[nodiscard]] std::string format_duration(std::chrono::microseconds span);

} // namespace nb::config
