#include "config/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace nb::config {
namespace {

struct Unit {
    std::string_view name;
    std::int64_t usec;
};

// A unit is the whole run of letters after a number, matched exactly; the
// names are systemd's (parse_time() in systemd's time-util.c), "m" included.
constexpr std::array units{
    Unit{"minutes", 60'000'000},
    Unit{"minute", 60'000'000},
    Unit{"min", 60'000'000},
    Unit{"m", 60'000'000},
    Unit{"seconds", 1'000'000},
    Unit{"second", 1'000'000},
    Unit{"sec", 1'000'000},
    Unit{"s", 1'000'000},
    Unit{"msec", 1'000},
    Unit{"ms", 1'000},
    Unit{"usec", 1},
    Unit{"us", 1},
    Unit{"hours", 3'600'000'000},
    Unit{"hour", 3'600'000'000},
    Unit{"hr", 3'600'000'000},
    Unit{"h", 3'600'000'000},
    Unit{"days", 86'400'000'000},
    Unit{"day", 86'400'000'000},
    Unit{"d", 86'400'000'000},
    Unit{"weeks", 604'800'000'000},
    Unit{"week", 604'800'000'000},
    Unit{"w", 604'800'000'000},
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_space(char c) {
    return c == ' ' || c == '\t';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

proto::Error error(std::string_view text, std::string_view why) {
    return proto::Error{"'" + std::string(text) + "' is not a time span: " + std::string(why)};
}

} // namespace

std::string maximum_text(std::chrono::microseconds max) {
    return "the maximum is " + format_duration(max) + (max == longest_duration ? " (a year)" : "");
}

proto::Result<std::chrono::microseconds> parse_duration(std::string_view text,
                                                        std::chrono::microseconds longest) {
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    std::size_t i = 0;
    auto skip_spaces = [&] {
        while (i < text.size() && is_space(text[i])) {
            ++i;
        }
    };
    skip_spaces();
    if (i == text.size()) {
        return error(text, "it is empty");
    }
    std::int64_t total = 0;
    while (i < text.size()) {
        if (text[i] == '-') {
            return error(text, "it is negative");
        }
        if (!is_digit(text[i])) {
            return error(text, "expected a number");
        }
        std::int64_t whole = 0;
        while (i < text.size() && is_digit(text[i])) {
            const int digit = text[i] - '0';
            if (whole > (max - digit) / 10) {
                return error(text, "it is too long");
            }
            whole = whole * 10 + digit;
            ++i;
        }
        // Fraction digits, kept as numerator/denominator so "0.001s" is exact.
        std::int64_t frac = 0;
        std::int64_t frac_scale = 1;
        if (i < text.size() && text[i] == '.') {
            ++i;
            if (i == text.size() || !is_digit(text[i])) {
                return error(text, "expected digits after '.'");
            }
            while (i < text.size() && is_digit(text[i])) {
                if (frac_scale < 1'000'000) { // six digits: frac * scale cannot overflow
                    frac = frac * 10 + (text[i] - '0');
                    frac_scale *= 10;
                }
                ++i;
            }
        }
        skip_spaces();
        const std::size_t unit_start = i;
        while (i < text.size() && is_alpha(text[i])) {
            ++i;
        }
        const std::string_view unit_name = text.substr(unit_start, i - unit_start);
        std::int64_t scale = 1'000'000; // a bare number is seconds
        if (!unit_name.empty()) {
            scale = 0;
            for (const Unit& unit : units) {
                if (unit.name == unit_name) {
                    scale = unit.usec;
                    break;
                }
            }
            if (scale == 0) {
                return error(text, "unknown unit '" + std::string(unit_name) +
                                       "' (use us, ms, s, min, h, d or w)");
            }
        }
        if (whole > max / scale) {
            return error(text, "it is too long");
        }
        const std::int64_t part = whole * scale + frac * scale / frac_scale;
        if (total > max - part) {
            return error(text, "it is too long");
        }
        total += part;
        skip_spaces();
        if (unit_name.empty() && i < text.size()) {
            return error(text, "a number without a unit must stand alone");
        }
    }
    if (total > longest.count()) {
        return proto::Error{"'" + std::string(text) + "' is too long: " + maximum_text(longest)};
    }
    return std::chrono::microseconds{total};
}

std::string format_duration(std::chrono::microseconds span) {
    std::int64_t left = span.count();
    if (left <= 0) {
        return "0";
    }
    // The units format_duration emits, biggest first; each part is exact.
    constexpr std::array<Unit, 7> parts{
        Unit{"w", 604'800'000'000},
        Unit{"d", 86'400'000'000},
        Unit{"h", 3'600'000'000},
        Unit{"min", 60'000'000},
        Unit{"s", 1'000'000},
        Unit{"ms", 1'000},
        Unit{"us", 1},
    };
    std::string out;
    for (const Unit& unit : parts) {
        if (left < unit.usec) {
            continue;
        }
        const std::int64_t count = left / unit.usec;
        left %= unit.usec;
        if (!out.empty()) {
            out += ' ';
        }
        out += std::to_string(count);
        out += unit.name;
    }
    return out;
}

} // namespace nb::config
