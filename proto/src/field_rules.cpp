#include "field_rules.hpp"

#include "decimal.hpp"

#include <nb/proto/message.hpp>
#include <nb/proto/quote.hpp>
#include <nb/proto/utf8.hpp>

#include <array>
#include <climits>
#include <cstdint>

#include <sys/types.h>

namespace nb::proto::detail {
namespace {

using Rule = std::optional<std::string> (*)(std::string_view);

std::string got(std::string_view value) {
    return ", got " + quote(value);
}

// Nothing when the value is valid; else what it must be, and what it was.
std::optional<std::string> unless(bool valid, std::string_view must, std::string_view v) {
    if (valid) {
        return std::nullopt;
    }
    return std::string(must) + got(v);
}

std::optional<std::string> must_be_one(std::string_view v) {
    return unless(v == "1", "must be \"1\"", v);
}

std::optional<std::string> must_be_zero(std::string_view v) {
    return unless(v == "0", "must be \"0\"", v);
}

std::optional<std::string> watchdog_rule(std::string_view v) {
    return unless(v == "1" || v == "trigger", "must be \"1\" or \"trigger\"", v);
}

// systemd's parse_errno() takes 0 (no error) up to ERRNO_MAX (4095); anything
// larger is logged and ignored, so we refuse it rather than relay it.
std::optional<std::string> errno_rule(std::string_view v) {
    constexpr std::uint32_t errno_max = 4095;
    const auto n = parse_decimal<std::uint32_t>(v);
    return unless(n && *n <= errno_max, "must be an errno number from 0 to 4095", v);
}

std::optional<std::string> exit_status_rule(std::string_view v) {
    const auto n = parse_decimal<std::uint32_t>(v);
    return unless(n && *n <= 255, "must be an exit status from 0 to 255", v);
}

std::optional<std::string> mainpid_rule(std::string_view v) {
    const auto n = parse_decimal<std::uint32_t>(v);
    return unless(n && *n > 0 && *n <= static_cast<std::uint32_t>(INT_MAX),
                  "must be a process id greater than 0", v);
}

std::optional<std::string> usec_rule(std::string_view v) {
    return unless(parse_decimal<std::uint64_t>(v).has_value(),
                  "must be microseconds as an unsigned 64-bit decimal", v);
}

std::optional<std::string> positive_usec_rule(std::string_view v) {
    const auto n = parse_decimal<std::uint64_t>(v);
    return unless(n && *n > 0, "must be microseconds greater than 0", v);
}

std::optional<std::string> bus_error_rule(std::string_view v) {
    return unless(is_valid_dbus_error_name(v), "must be a D-Bus error name like org.example.Error",
                  v);
}

std::optional<std::string> fdname_rule(std::string_view v) {
    return unless(is_valid_fdname(v), "must be at most 255 printable ASCII characters without ':'",
                  v);
}

std::optional<std::string> notify_access_rule(std::string_view v) {
    return unless(v == "none" || v == "main" || v == "exec" || v == "all",
                  "must be one of none, main, exec, all", v);
}

std::optional<std::string> utf8_rule(std::string_view v) {
    if (is_valid_utf8(v)) {
        return std::nullopt;
    }
    return "not valid UTF-8: " + quote(v);
}

struct KeyRule {
    std::string_view key;
    Rule rule;
};

constexpr std::array rules{
    KeyRule{"READY", must_be_one},
    KeyRule{"RELOADING", must_be_one},
    KeyRule{"STOPPING", must_be_one},
    KeyRule{"BARRIER", must_be_one},
    KeyRule{"FDSTORE", must_be_one},
    KeyRule{"FDSTOREREMOVE", must_be_one},
    KeyRule{"FDPOLL", must_be_zero},
    KeyRule{"WATCHDOG", watchdog_rule},
    KeyRule{"ERRNO", errno_rule},
    KeyRule{"EXIT_STATUS", exit_status_rule},
    KeyRule{"MAINPID", mainpid_rule},
    KeyRule{"MONOTONIC_USEC", usec_rule},
    KeyRule{"WATCHDOG_USEC", positive_usec_rule},
    KeyRule{"EXTEND_TIMEOUT_USEC", usec_rule},
    KeyRule{"BUSERROR", bus_error_rule},
    KeyRule{"FDNAME", fdname_rule},
    KeyRule{"NOTIFYACCESS", notify_access_rule},
    KeyRule{"STATUS", utf8_rule},
};

} // namespace

std::optional<std::string> check_value(std::string_view key, std::string_view value) {
    for (const auto& [name, rule] : rules) {
        if (name == key) {
            return rule(value);
        }
    }
    if (key.starts_with("X_")) {
        return utf8_rule(value);
    }
    return std::nullopt;
}

bool is_valid_fdname(std::string_view name) noexcept {
    constexpr std::size_t fdname_max = 255;
    if (name.size() > fdname_max) {
        return false;
    }
    for (const char c : name) {
        if (c < ' ' || c >= 127 || c == ':') {
            return false;
        }
    }
    return true;
}

bool is_valid_dbus_error_name(std::string_view name) noexcept {
    constexpr std::size_t name_max = 255;
    if (name.empty() || name.size() > name_max) {
        return false;
    }
    std::size_t elements = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        const std::string_view element = name.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        // A D-Bus name element follows the same rule as an environment name.
        if (!is_valid_key(element)) {
            return false;
        }
        ++elements;
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    return elements >= 2;
}

} // namespace nb::proto::detail
