#pragma once
// A process's effective uid and gid from /proc/PID/status: what SCM_CREDENTIALS
// would say for it now. Only meaningful for a process the caller has pinned
// (a pidfd checked alive after the read), since a pid can be reused.
// Thread-safety: a pure function, and a /proc read.

#include <optional>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon {

struct ProcessIds {
    uid_t uid = 0;
    gid_t gid = 0;
    friend bool operator==(const ProcessIds&, const ProcessIds&) = default;
};

/// The effective ids (second field of the "Uid:" and "Gid:" lines) of a
/// status file's text; nothing if either line is missing or malformed.
[[nodiscard]] std::optional<ProcessIds> effective_ids_from_status(std::string_view status) noexcept;

/// Reads /proc/PID/status; nothing when the process is gone or hidden.
[[nodiscard]] std::optional<ProcessIds> read_effective_ids(pid_t pid);

} // namespace nb::daemon
