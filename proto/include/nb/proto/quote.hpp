#pragma once
// Quoting untrusted text: it came from a datagram, an environment variable or a
// config file, and must not forge a log line, a JSON field or a TOML value. One
// escape table for the error messages here, the CLI's text and JSON output and
// the daemon's rendered config.
// Thread-safety: pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace nb::proto {

/// How quote() writes what it escapes. '"', '\\', '\n', '\r' and '\t' always
/// become \" \\ \n \r \t (valid in C, JSON and TOML alike).
struct QuoteStyle {
    /// Other bytes below 0x20, and 0x7f: "\xNN" (C, our messages), or "\u00NN"
    /// (JSON, TOML basic strings).
    bool unicode_escapes = false;
    /// Bytes of 0x80 and above: escaped (nothing can be misread), or kept as
    /// they are (UTF-8 stays readable).
    bool keep_high_bytes = false;
    /// Cut after this many input bytes, with "..." after the closing quote.
    std::size_t limit = std::string_view::npos;
};

/// `text` in double quotes, escaped as `style` says.
[[nodiscard]] std::string quote(std::string_view text, const QuoteStyle& style);

/// For error messages: every byte outside printable ASCII escaped (\n, \t, \xNN),
/// cut after `limit` input bytes with a trailing "...".
[[nodiscard]] inline std::string quote(std::string_view text, std::size_t limit = 64) {
    return quote(text, QuoteStyle{.limit = limit});
}

} // namespace nb::proto
