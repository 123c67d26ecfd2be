#pragma once
// The sd_notify message model: a datagram parsed under systemd's rules into an
// ordered list of KEY=VALUE assignments, with typed accessors for the keys
// systemd knows. Pure code: no I/O, no allocation beyond the message itself.
// Thread-safety: Message is a value type; const member functions may be called
// concurrently.

#include <nb/proto/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace nb::proto {

/// systemd's receive buffer: a datagram of this many bytes or more is dropped whole.
inline constexpr std::size_t max_datagram_size = 4096;

struct Assignment {
    std::string key;
    std::string value;
    bool operator==(const Assignment&) const = default;
};

enum class WatchdogKind { ping, trigger };
enum class NotifyAccess { none, main, exec, all };

class Message {
public:
    /// Parses one datagram. Errors (each message names the key or line and why):
    /// empty (or only newlines), >= max_datagram_size bytes, an embedded NUL, a
    /// non-empty line that is not KEY=VALUE with KEY a valid environment name, and
    /// a known key whose value is out of range ("READY: must be \"1\", got \"2\"",
    /// "WATCHDOG=maybe", STATUS not UTF-8), a lone backslash at the end, a value
    /// holding an escaped line break. Read exactly as systemd 252 reads it
    /// (strv_split_newlines()): lines are split on '\n' and '\r'; a backslash
    /// takes the next byte literally ("a\\b" is "ab"); empty lines are skipped; the
    /// first occurrence of a key wins and later ones are ignored (not validated).
    static Result<Message> parse(std::string_view datagram);

    /// Builds a message from assignments made in code (e.g. a D-Bus call), under
    /// the same rules as parse(): check_assignment() on each, first key wins.
    /// Errors: no assignments, or the first check_assignment() error.
    static Result<Message> from_assignments(std::span<const Assignment> assignments);

    /// The assignments in datagram order, without later duplicates.
    [[nodiscard]] const std::vector<Assignment>& assignments() const noexcept {
        return assignments_;
    }
    [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const noexcept;
    [[nodiscard]] bool contains(std::string_view key) const noexcept {
        return get(key).has_value();
    }

    // Typed accessors for the keys systemd knows; values were validated by parse().
    [[nodiscard]] bool ready() const noexcept { return contains("READY"); }
    [[nodiscard]] bool reloading() const noexcept { return contains("RELOADING"); }
    [[nodiscard]] bool stopping() const noexcept { return contains("STOPPING"); }
    [[nodiscard]] bool barrier() const noexcept { return contains("BARRIER"); }
    [[nodiscard]] bool fdstore() const noexcept { return contains("FDSTORE"); }
    [[nodiscard]] bool fdstore_remove() const noexcept { return contains("FDSTOREREMOVE"); }
    [[nodiscard]] bool fdpoll_disabled() const noexcept { return contains("FDPOLL"); }
    [[nodiscard]] std::optional<std::string_view> status() const noexcept { return get("STATUS"); }
    [[nodiscard]] std::optional<int> errno_value() const noexcept;            // ERRNO=
    [[nodiscard]] std::optional<std::string_view> bus_error() const noexcept; // BUSERROR=
    [[nodiscard]] std::optional<int> exit_status() const noexcept;            // EXIT_STATUS=
    [[nodiscard]] std::optional<pid_t> mainpid() const noexcept;              // MAINPID=
    [[nodiscard]] std::optional<std::uint64_t> monotonic_usec() const noexcept;
    [[nodiscard]] std::optional<std::uint64_t> watchdog_usec() const noexcept;
    [[nodiscard]] std::optional<std::uint64_t> extend_timeout_usec() const noexcept;
    [[nodiscard]] std::optional<WatchdogKind> watchdog() const noexcept; // WATCHDOG=1|trigger
    [[nodiscard]] std::optional<std::string_view> fdname() const noexcept;
    [[nodiscard]] std::optional<NotifyAccess> notify_access() const noexcept;

    bool operator==(const Message&) const = default;

private:
    std::vector<Assignment> assignments_;
};

/// Checks one assignment as parse() would: a valid key, no '\n', '\r' or NUL in
/// the value, and the value rule of a known key. Errors name the key and why.
Status check_assignment(const Assignment& assignment);

/// Serializes assignments as "K=V\nK=V" (no trailing newline, like sd_notify
/// callers usually send), doubling each backslash in a value because systemd and
/// parse() unescape them (so parse(serialize(m)) == m). Errors: no assignments, a key that is not a
/// valid environment name, a value containing '\n', '\r' (systemd splits on both) or NUL (a value
/// can never become a new line or key), a result of max_datagram_size bytes or more. Values of
/// known keys are not re-checked.
Result<std::string> serialize(std::span<const Assignment> assignments);

/// True for a valid environment-variable name: [A-Za-z_][A-Za-z0-9_]*.
[[nodiscard]] bool is_valid_key(std::string_view key) noexcept;

} // namespace nb::proto
