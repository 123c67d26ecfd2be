#pragma once
// Logging, one entry per call, to where the service manager reads it:
//  - the journal's native socket when $JOURNAL_STREAM names our stderr
//    (systemd.exec(5)): MESSAGE, PRIORITY, MESSAGE_ID and the caller's fields,
//    searchable with `journalctl FIELD=value`;
//  - otherwise stderr, as "<N>text" lines (sd-daemon(3) prefixes).
// Newlines and other control characters in text and field values become spaces,
// so text from a worker can never forge an entry or a field.
// A log write never blocks: both sinks are non-blocking (base/log_sinks.hpp), an
// entry that finds the sink full is dropped and counted, and the next entry that
// gets through is preceded by a notice of how many were lost.
// Thread-safety: open_log_target()/set_log_level() before starting threads;
// log() may be called from any thread (one send/write per entry).

#include "base/log_level.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace nb::daemon {

/// One journal field of an entry: NAME (upper case, digits, '_') and its value.
struct LogField {
    std::string_view name;
    std::string_view value;
};

/// Messages less important than `level` are not written.
void set_log_level(LogLevel level) noexcept;
[[nodiscard]] LogLevel log_level() noexcept;
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;

/// Picks the sink once: the journal if $JOURNAL_STREAM is stderr's device:inode
/// and the journal's socket is there, else stderr (made non-blocking). Before
/// it is called, log() writes to stderr as it always did.
void open_log_target() noexcept;
/// Tests: log natively to the datagram socket at `path` (as if it were the
/// journal's). False if it cannot be reached.
bool open_journal_target(const std::string& path) noexcept;
/// Tests: forget the sink chosen; log() writes to stderr again.
void reset_log_target() noexcept;
[[nodiscard]] bool logging_to_journal() noexcept;
/// Entries lost because the sink was full (the journal's socket queue, a pipe
/// nobody reads), since the start.
[[nodiscard]] std::uint64_t log_entries_dropped() noexcept;

/// Writes text at `level`. Never throws; a failed write is counted, not retried.
void log(LogLevel level, std::string_view text) noexcept;
/// The same with a MESSAGE_ID (32 hex digits; "" for none) and fields; on
/// stderr only the text is written.
void log(LogLevel level, std::string_view text, std::string_view message_id,
         std::span<const LogField> fields) noexcept;

} // namespace nb::daemon
