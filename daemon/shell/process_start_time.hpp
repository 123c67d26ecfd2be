#pragma once
// When a process started, in clock ticks after boot (field 22 of
// /proc/PID/stat): with the pid, it names one process for as long as the
// machine runs, on kernels whose pidfds have no pidfs inode (< 6.9).
// Thread-safety: reads /proc; any thread.

#include <cstdint>
#include <optional>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon {

/// The start time in the contents of a /proc/PID/stat file; nothing if malformed.
[[nodiscard]] std::optional<std::uint64_t> start_time_from_stat(std::string_view stat) noexcept;

/// Reads /proc/PID/stat; nothing when the process is gone.
[[nodiscard]] std::optional<std::uint64_t> read_start_time(pid_t pid);

} // namespace nb::daemon
