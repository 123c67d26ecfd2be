#pragma once
// Strict decimal parsing shared by the message and address parsers (internal).

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace nb::proto::detail {

/// Digits only: no sign, no whitespace, no base prefix, and the whole text must
/// be used. systemd's strtol-based helpers are a little laxer (leading blanks,
/// '+'); refusing those costs no real client anything and keeps the check exact.
/// Returns nullopt for an empty text, a non-digit, or a value that does not fit T.
template <std::unsigned_integral T>
[[nodiscard]] std::optional<T> parse_decimal(std::string_view text) noexcept {
    if (text.empty()) {
        return std::nullopt;
    }
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
    }
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

} // namespace nb::proto::detail
