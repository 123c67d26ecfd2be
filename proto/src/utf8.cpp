#include <nb/proto/utf8.hpp>

#include <cstddef>
#include <cstdint>

namespace nb::proto {
namespace {

// systemd's unichar_is_valid(): besides the end of Unicode and the UTF-16
// surrogates it refuses the noncharacters, so a STATUS= that systemd would
// drop is refused here too.
constexpr bool is_valid_code_point(std::uint32_t cp) noexcept {
    if (cp >= 0x110000) {
        return false;
    }
    if ((cp & 0xFFFFF800U) == 0xD800U) {
        return false;
    }
    if (cp >= 0xFDD0U && cp <= 0xFDEFU) {
        return false;
    }
    return (cp & 0xFFFEU) != 0xFFFEU;
}

// Length of the sequence a lead byte announces; 0 for a byte that cannot lead.
constexpr std::size_t sequence_length(unsigned char lead) noexcept {
    if (lead < 0x80) {
        return 1;
    }
    if ((lead & 0xE0) == 0xC0) {
        return 2;
    }
    if ((lead & 0xF0) == 0xE0) {
        return 3;
    }
    if ((lead & 0xF8) == 0xF0) {
        return 4;
    }
    return 0;
}

constexpr std::uint32_t smallest_code_point(std::size_t length) noexcept {
    switch (length) {
    case 2:
        return 0x80;
    case 3:
        return 0x800;
    default:
        return 0x10000;
    }
}

} // namespace

bool is_valid_utf8(std::string_view text) noexcept {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = sequence_length(lead);
        if (length == 0 || text.size() - i < length) {
            return false;
        }
        if (length == 1) {
            ++i;
            continue;
        }
        std::uint32_t cp = lead & (0x7FU >> length);
        for (std::size_t k = 1; k < length; ++k) {
            const auto byte = static_cast<unsigned char>(text[i + k]);
            if ((byte & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (byte & 0x3FU);
        }
        // An overlong form would let one character hide behind another's bytes.
        if (cp < smallest_code_point(length) || !is_valid_code_point(cp)) {
            return false;
        }
        i += length;
    }
    return true;
}

} // namespace nb::proto
