#include "decimal.hpp"
#include "field_rules.hpp"

#include <nb/proto/message.hpp>
#include <nb/proto/quote.hpp>

#include <climits>
#include <cstring>

namespace nb::proto {
namespace {

// systemd's NEWLINE: both split lines, so both must be refused inside values.
constexpr std::string_view line_separators = "\n\r";

bool has_key(const std::vector<Assignment>& assignments, std::string_view key) noexcept {
    for (const auto& a : assignments) {
        if (a.key == key) {
            return true;
        }
    }
    return false;
}

Error key_error(std::string_view key, const std::string& why) {
    return Error{std::string(key) + ": " + why};
}

// Checks one (unescaped) line of a datagram and appends it unless its key was
// seen. Empty lines are skipped.
std::optional<Error> add_line(std::vector<Assignment>& out, std::string_view line,
                              std::size_t number) {
    if (line.empty()) {
        return std::nullopt;
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
        return Error{"line " + std::to_string(number) + ": expected KEY=VALUE, got " + quote(line)};
    }
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    if (!is_valid_key(key)) {
        return Error{"line " + std::to_string(number) + ": invalid key " + quote(key) +
                     " (must match [A-Za-z_][A-Za-z0-9_]*)"};
    }
    if (has_key(out, key)) {
        return std::nullopt; // systemd looks keys up first-match; later ones never count
    }
    // Only an escaped line break gets here. systemd would keep it, but the
    // broker must never hold a value that could become a line upstream.
    if (value.find_first_of(line_separators) != std::string_view::npos) {
        return key_error(key, "value contains an escaped line break: " + quote(value));
    }
    if (auto why = detail::check_value(key, value)) {
        return key_error(key, *why);
    }
    out.push_back(Assignment{std::string(key), std::string(value)});
    return std::nullopt;
}

template <std::unsigned_integral T>
std::optional<T> number(const Message& m, std::string_view key) noexcept {
    const auto v = m.get(key);
    if (!v) {
        return std::nullopt;
    }
    return detail::parse_decimal<T>(*v);
}

} // namespace

bool is_valid_key(std::string_view key) noexcept {
    if (key.empty()) {
        return false;
    }
    const auto start = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    };
    if (!start(key.front())) {
        return false;
    }
    for (const char c : key) {
        if (!start(c) && !(c >= '0' && c <= '9')) {
            return false;
        }
    }
    return true;
}

Result<Message> Message::parse(std::string_view datagram) {
    if (datagram.empty()) {
        return Error{"empty datagram"};
    }
    if (datagram.size() >= max_datagram_size) {
        return Error{"datagram of " + std::to_string(datagram.size()) +
                     " bytes is too large (must be less than " + std::to_string(max_datagram_size) +
                     ")"};
    }
    if (const auto nul = datagram.find('\0'); nul != std::string_view::npos) {
        return Error{"embedded NUL byte at offset " + std::to_string(nul)};
    }

    // systemd 252 splits with extract_first_word() without EXTRACT_RETAIN_ESCAPE:
    // a backslash takes the next byte literally (before a newline it continues
    // the line; "a\\b" reads as "ab"), and a datagram ending in a lone backslash
    // is dropped.
    // We read datagrams exactly as systemd does, so a worker sees the same
    // StatusText behind the broker as without it.
    Message message;
    std::string line;
    std::size_t physical = 1; // line numbers count raw separators, for the user
    std::size_t number = 1;   // where the current logical line started
    bool escaped = false;
    for (const char c : datagram) {
        const bool separator = line_separators.find(c) != std::string_view::npos;
        if (escaped) {
            line += c;
            escaped = false;
            physical += separator ? 1 : 0;
        } else if (c == '\\') {
            escaped = true;
        } else if (separator) {
            if (auto error = add_line(message.assignments_, line, number)) {
                return *error;
            }
            line.clear();
            number = ++physical;
        } else {
            line += c;
        }
    }
    if (escaped) {
        return Error{"line " + std::to_string(physical) +
                     ": ends with a lone backslash (systemd drops such a datagram)"};
    }
    if (auto error = add_line(message.assignments_, line, number)) {
        return *error;
    }
    if (message.assignments_.empty()) {
        return Error{"empty datagram (no KEY=VALUE lines)"};
    }
    return message;
}

Result<Message> Message::from_assignments(std::span<const Assignment> assignments) {
    if (assignments.empty()) {
        return Error{"no assignments"};
    }
    Message message;
    for (const auto& a : assignments) {
        if (auto status = check_assignment(a); !status) {
            return status.error();
        }
        if (!has_key(message.assignments_, a.key)) {
            message.assignments_.push_back(a);
        }
    }
    return message;
}

Status check_assignment(const Assignment& assignment) {
    const std::string_view key = assignment.key;
    const std::string_view value = assignment.value;
    if (!is_valid_key(key)) {
        return Error{"invalid key " + quote(key) + " (must match [A-Za-z_][A-Za-z0-9_]*)"};
    }
    if (value.find_first_of(line_separators) != std::string_view::npos) {
        return key_error(key, "value contains a line break, which would inject a new line: " +
                                  quote(value));
    }
    if (value.find('\0') != std::string_view::npos) {
        return key_error(key, "value contains a NUL byte: " + quote(value));
    }
    if (auto why = detail::check_value(key, value)) {
        return key_error(key, *why);
    }
    return Ok{};
}

std::optional<std::string_view> Message::get(std::string_view key) const noexcept {
    for (const auto& a : assignments_) {
        if (a.key == key) {
            return std::string_view(a.value);
        }
    }
    return std::nullopt;
}

std::optional<std::string_view> Message::bus_error() const noexcept {
    return get("BUSERROR");
}
std::optional<std::string_view> Message::fdname() const noexcept {
    return get("FDNAME");
}

std::optional<int> Message::errno_value() const noexcept {
    const auto n = number<unsigned>(*this, "ERRNO");
    return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
}

std::optional<int> Message::exit_status() const noexcept {
    const auto n = number<unsigned>(*this, "EXIT_STATUS");
    return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
}

std::optional<pid_t> Message::mainpid() const noexcept {
    const auto n = number<unsigned>(*this, "MAINPID");
    return n ? std::optional<pid_t>(static_cast<pid_t>(*n)) : std::nullopt;
}

std::optional<std::uint64_t> Message::monotonic_usec() const noexcept {
    return number<std::uint64_t>(*this, "MONOTONIC_USEC");
}

std::optional<std::uint64_t> Message::watchdog_usec() const noexcept {
    return number<std::uint64_t>(*this, "WATCHDOG_USEC");
}

std::optional<std::uint64_t> Message::extend_timeout_usec() const noexcept {
    return number<std::uint64_t>(*this, "EXTEND_TIMEOUT_USEC");
}

std::optional<WatchdogKind> Message::watchdog() const noexcept {
    const auto v = get("WATCHDOG");
    if (!v) {
        return std::nullopt;
    }
    return *v == "trigger" ? WatchdogKind::trigger : WatchdogKind::ping;
}

std::optional<NotifyAccess> Message::notify_access() const noexcept {
    const auto v = get("NOTIFYACCESS");
    if (!v) {
        return std::nullopt;
    }
    if (*v == "main") {
        return NotifyAccess::main;
    }
    if (*v == "exec") {
        return NotifyAccess::exec;
    }
    if (*v == "all") {
        return NotifyAccess::all;
    }
    return NotifyAccess::none;
}

} // namespace nb::proto
