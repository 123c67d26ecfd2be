#pragma once
// Reads a small file of /proc (PID/cgroup, PID/stat, sys/...) whole, with a size bound.
// Plain read(2): no iostreams on the per-sender path.
// Thread-safety: a pure function of the file system.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon {

/// The contents of path, cut at `limit` bytes; empty optional when it cannot be opened.
[[nodiscard]] std::optional<std::string> read_small_file(const std::string& path,
                                                         std::size_t limit = 64 * 1024);

/// The contents of /proc/<pid>/<name>, cut at `limit` bytes; empty optional
/// when the file cannot be opened (the process is gone, or hidden from us).
[[nodiscard]] std::optional<std::string> read_proc_file(pid_t pid, std::string_view name,
                                                        std::size_t limit = 64 * 1024);

} // namespace nb::daemon
