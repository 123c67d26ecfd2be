#pragma once
// MAINPID= from a worker (issue 13, point 2): the process its liveness follows
// from then on, as `systemd-notify --ready --pid=$$` means it. Accepted only
// for the sender itself or one of its ancestors running with the sender's uid
// (root: any ancestor), checked against the kernel without a pid-reuse race:
// the named process is pinned by a pidfd before its ancestry is read and must
// still run after; the sender is pinned by its own. Otherwise refused with the
// reason, and the worker stays bound to the sender.
// Thread-safety: a pure function of /proc.

#include "base/unique_fd.hpp"

#include <string>

#include <sys/types.h>

namespace nb::daemon {

struct MainPidCheck {
    UniqueFd pidfd;      ///< the main process's, when accepted
    std::string refusal; ///< why not, when refused
};

/// How many parents up the sender's ancestry is searched for the main process.
inline constexpr int max_main_pid_depth = 16;

/// Checks MAINPID=`main` from `sender` (uid `uid`, pinned by `sender_pidfd`, -1
/// if it could not be pinned).
[[nodiscard]] MainPidCheck check_main_pid(pid_t sender, int sender_pidfd, uid_t uid, pid_t main);

} // namespace nb::daemon
