#include <nb/proto/message.hpp>
#include <nb/proto/quote.hpp>

#include <algorithm>

namespace nb::proto {

Result<std::string> serialize(std::span<const Assignment> assignments) {
    if (assignments.empty()) {
        return Error{"no assignments (an empty datagram is dropped by the receiver)"};
    }
    std::string out;
    for (const auto& [key, value] : assignments) {
        if (!is_valid_key(key)) {
            return Error{"invalid key " + quote(key) + " (must match [A-Za-z_][A-Za-z0-9_]*)"};
        }
        // systemd splits on '\r' as well as '\n': either would let worker text
        // become a line of its own upstream.
        if (value.find_first_of("\n\r") != std::string::npos) {
            return Error{key + ": value contains a line break, which would inject a new line: " +
                         quote(value)};
        }
        if (value.find('\0') != std::string::npos) {
            return Error{key + ": value contains a NUL byte: " + quote(value)};
        }
        // systemd (and Message::parse) read a backslash as "take the next byte
        // literally", so each one is doubled to arrive as written.
        const auto backslashes =
            static_cast<std::size_t>(std::count(value.begin(), value.end(), '\\'));
        // Checked before appending so a huge value never gets copied.
        const std::size_t size =
            out.size() + (out.empty() ? 0 : 1) + key.size() + 1 + value.size() + backslashes;
        if (size >= max_datagram_size) {
            return Error{"message of at least " + std::to_string(size) +
                         " bytes is too large (must be less than " +
                         std::to_string(max_datagram_size) + ")"};
        }
        if (!out.empty()) {
            out += '\n';
        }
        out += key;
        out += '=';
        for (const char c : value) {
            if (c == '\\') {
                out += '\\';
            }
            out += c;
        }
    }
    return out;
}

} // namespace nb::proto
