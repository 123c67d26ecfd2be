#pragma once
// Quoting untrusted text for error messages (internal): the text came from a
// datagram or an environment variable and must not forge log lines.

#include <string>
#include <string_view>

namespace nb::proto::detail {

/// "text" with '"', '\\' and every byte outside printable ASCII escaped (\n, \t,
/// \xNN), cut after `limit` input bytes with a trailing "...".
[[nodiscard]] std::string quote(std::string_view text, std::size_t limit = 64);

} // namespace nb::proto::detail
