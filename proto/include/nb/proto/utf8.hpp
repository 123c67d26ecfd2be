#pragma once
#include <string_view>

namespace nb::proto {

/// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), as
/// systemd's utf8_is_valid() accepts it.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

} // namespace nb::proto
