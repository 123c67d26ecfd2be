#pragma once
// Enum -> word by a table indexed by the enumerator: one line per enum instead
// of a switch, and a table that is one entry short does not compile.

#include <array>
#include <cstddef>
#include <string_view>

namespace nb::core {

/// names[value], or "unknown" for a value outside the enum (a corrupted input).
template <class Enum, std::size_t N>
[[nodiscard]] constexpr std::string_view name_of(const std::array<std::string_view, N>& names,
                                                 Enum value) noexcept {
    const auto index = static_cast<std::size_t>(value);
    return index < N ? names[index] : std::string_view("unknown");
}

} // namespace nb::core
