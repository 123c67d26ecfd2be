#pragma once
// Logging to stderr with the "<N>" syslog priority prefixes journald reads
// (sd-daemon(3)). One line per call: newlines and other control characters in
// the text become spaces, so text from a worker can never forge a log line.
// Thread-safety: set_log_level() before starting threads; log() may be called
// from any thread (one write(2) per line).

#include "base/log_level.hpp"

#include <string_view>

namespace nb::daemon {

/// Messages less important than `level` are not written.
void set_log_level(LogLevel level) noexcept;
[[nodiscard]] LogLevel log_level() noexcept;
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;

/// Writes "<N>text\n" to stderr. Never throws; a failed write is ignored.
void log(LogLevel level, std::string_view text) noexcept;

} // namespace nb::daemon
