#pragma once
// Value rules for the keys systemd knows (internal). One table, used by
// Message::parse and check_assignment, so the datagram path and the D-Bus path
// refuse exactly the same things.

#include <optional>
#include <string>
#include <string_view>

namespace nb::proto::detail {

/// Why `value` is not acceptable for `key` ("must be \"1\", got \"2\""), or
/// nullopt when it is. Unknown keys accept any value; X_* values must be UTF-8.
[[nodiscard]] std::optional<std::string> check_value(std::string_view key, std::string_view value);

/// systemd's fdname_is_valid(): at most 255 bytes of printable ASCII, no ':'.
/// The empty name is valid.
[[nodiscard]] bool is_valid_fdname(std::string_view name) noexcept;

/// A D-Bus error name: like an interface name, at most 255 bytes, two or more
/// dot-separated elements of [A-Za-z_][A-Za-z0-9_]*.
[[nodiscard]] bool is_valid_dbus_error_name(std::string_view name) noexcept;

} // namespace nb::proto::detail
