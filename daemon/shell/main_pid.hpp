#pragma once
// MAINPID=, MAINPIDFD=1, MAINPIDFDID= from a worker (issue 13, point 2): the
// process its liveness follows from then on, as `systemd-notify --ready
// --pid=$$` means it. The claim is read by core/main_process_claim.hpp; this
// checks it against the kernel without a pid-reuse race. The named process is
// pinned first (our pidfd_open() of MAINPID=, or the pidfd MAINPIDFD=1 came
// with); with MAINPIDFDID= on a pidfs kernel the pinned pidfd's inode id must
// be that id. Then it must be
//  - the sender itself, or one of its ancestors (each ancestor pinned while
//    the chain is read, all still running after; the sender may have exited
//    but not been reaped, a zombie keeps its parent) running with the
//    sender's uid (root: any uid); or
//  - for a root sender, any process in a systemd unit (its .service or .scope
//    from /proc/PID/cgroup) whose own uid, gid and unit an [[allow]] rule
//    admits for the worker (Broker::admits): a process that could report as
//    this worker itself.
// Everything read from /proc about it counts only because its pidfd shows it
// still running afterwards. Otherwise refused with the
// reason, and the worker stays bound to the sender; a received pidfd is then
// closed.
// Thread-safety: a pure function of /proc (and of `admitted`).

#include "base/unique_fd.hpp"
#include "core/broker.hpp"
#include "core/main_process_claim.hpp"

#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::daemon {

struct MainPidCheck {
    pid_t pid = 0;       ///< the main process, when accepted (the sender's own pid: no change)
    UniqueFd pidfd;      ///< pins it, when accepted and not the sender
    std::string refusal; ///< why not, when refused
};

/// How many parents up the sender's ancestry is searched for the main process.
inline constexpr int max_main_pid_depth = 16;

struct MainPidSender {
    pid_t pid = 0;
    int pidfd = -1; ///< pins the sender; -1 if it could not be pinned
    uid_t uid = 0;
};

/// For a root sender naming a process that is not its ancestor: whether the
/// policy admits that process (pid, effective uid and gid, unit) for the worker.
using AdmitsProcess = std::function<bool(const core::Sender& process)>;

/// Checks `claim` from `sender`. For MAINPIDFD=1 the pidfd is taken out of
/// `fds` (the datagram's, exactly one then): kept in the result when
/// accepted, closed when refused.
[[nodiscard]] MainPidCheck check_main_pid(const MainPidSender& sender,
                                          const core::MainProcessClaim& claim,
                                          std::vector<UniqueFd>& fds,
                                          const AdmitsProcess& admitted);

} // namespace nb::daemon
