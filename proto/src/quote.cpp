#include <nb/proto/quote.hpp>

#include <algorithm>

namespace nb::proto {

std::string quote(std::string_view text, const QuoteStyle& style) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    const std::size_t shown = std::min(text.size(), style.limit);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        switch (byte) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if ((byte >= 0x20 && byte < 0x7F) || (byte >= 0x80 && style.keep_high_bytes)) {
                out += static_cast<char>(byte);
            } else {
                out += style.unicode_escapes ? "\\u00" : "\\x";
                out += hex[byte >> 4];
                out += hex[byte & 0xF];
            }
        }
    }
    out += '"';
    if (shown < text.size()) {
        out += "...";
    }
    return out;
}

} // namespace nb::proto
