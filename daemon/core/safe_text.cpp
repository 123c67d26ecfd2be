#include "core/safe_text.hpp"

#include <cstdint>

namespace nb::core {
namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629 table:
// no overlongs, no surrogates, nothing above U+10FFFF), or 0 if it is not one.
std::size_t sequence_length(std::string_view s) noexcept {
    const auto byte = [&](std::size_t i) {
        return static_cast<std::uint8_t>(s[i]);
    };
    const auto in = [&](std::size_t i, std::uint8_t lo, std::uint8_t hi) {
        return i < s.size() && byte(i) >= lo && byte(i) <= hi;
    };
    const std::uint8_t b0 = byte(0);
    if (b0 < 0x80) {
        return 1;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        return in(1, 0x80, 0xBF) ? 2 : 0;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        const std::uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80;
        const std::uint8_t hi = b0 == 0xED ? 0x9F : 0xBF;
        return in(1, lo, hi) && in(2, 0x80, 0xBF) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        const std::uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80;
        const std::uint8_t hi = b0 == 0xF4 ? 0x8F : 0xBF;
        return in(1, lo, hi) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

bool is_line_breaking(std::string_view sequence) noexcept {
    if (sequence.size() == 1) {
        const auto c = static_cast<std::uint8_t>(sequence[0]);
        return c < 0x20 || c == 0x7F;
    }
    const auto b0 = static_cast<std::uint8_t>(sequence[0]);
    const auto b1 = static_cast<std::uint8_t>(sequence[1]);
    if (sequence.size() == 2) {
        return b0 == 0xC2 && b1 <= 0x9F; // C1 controls U+0080..U+009F (NEL among them)
    }
    // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR.
    return sequence.size() == 3 && b0 == 0xE2 && b1 == 0x80 &&
           (static_cast<std::uint8_t>(sequence[2]) & 0xFE) == 0xA8;
}

} // namespace

std::string sanitize_text(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
    while (!text.empty()) {
        std::size_t length = sequence_length(text);
        std::string_view piece;
        if (length == 0) {
            piece = "?";
            length = 1;
        } else if (is_line_breaking(text.substr(0, length))) {
            piece = " ";
        } else {
            piece = text.substr(0, length);
        }
        if (out.size() + piece.size() > max_bytes) {
            break;
        }
        out.append(piece);
        text.remove_prefix(length);
    }
    return out;
}

std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes) noexcept {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<std::uint8_t>(text[end]) & 0xC0) == 0x80) {
        --end;
    }
    return text.substr(0, end);
}

} // namespace nb::core
