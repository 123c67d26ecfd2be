#pragma once
// Worker-supplied text on its way into our upstream STATUS: it must stay one line
// of valid UTF-8 whatever the worker sent (a STATUS with '\n' from D-Bus would
// otherwise inject a new key upstream).

#include <cstddef>
#include <string>
#include <string_view>

namespace nb::core {

/// Returns `text` as valid UTF-8 without control characters: C0/C1 controls, DEL
/// and U+2028/U+2029 become a space, invalid bytes become '?'. The result is cut
/// to at most `max_bytes` on a code-point boundary. Never throws but std::bad_alloc.
[[nodiscard]] std::string sanitize_text(std::string_view text, std::size_t max_bytes);

/// Cuts valid UTF-8 to at most `max_bytes` without splitting a code point.
[[nodiscard]] std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes) noexcept;

} // namespace nb::core
