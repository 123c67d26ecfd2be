#pragma once
// Pins the sender of a datagram that came without SCM_PIDFD (kernels before
// 6.5, kernels 6.5-6.15 for a sender already reaped, or SO_PASSPIDFD turned off
// for tests) and proves the pinned process is the sender: pidfd_open(pid) right
// after the receive, then, read *after* pinning, the process's uids/gids
// (/proc/PID/status) must include SCM_CREDENTIALS' uid and gid, and its start
// time (/proc/PID/stat, clock ticks of CLOCK_BOOTTIME) must not be after the
// datagram was queued (SO_TIMESTAMPNS). The reads count only if the pidfd still
// holds the pid afterwards (alive, or a zombie not yet reaped): a pid is reused
// only once its process is reaped, and a reused pid's new process started
// after the old one queued its datagram. The residual window: a stranger
// forked with the sender's pid, uid and gid within one clock tick (10 ms at
// USER_HZ=100) after the datagram was queued, or within a step of the real-time
// clock in the same interval (the timestamp is CLOCK_REALTIME).
// Thread-safety: reads /proc; any thread.

#include "base/unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

#include <sys/socket.h>
#include <sys/types.h>

namespace nb::daemon {

struct SenderPin {
    enum class Outcome {
        pinned,   ///< pidfd pins the sender
        gone,     ///< the sender's pid names no process now
        stranger, ///< the pid is another process now (or cannot be proven the sender's)
        no_room,  ///< out of fds (EMFILE, ENFILE, ENOMEM): nothing could be checked
    };
    Outcome outcome = Outcome::gone;
    UniqueFd pidfd; ///< when pinned
};

/// queued_at: when the datagram was queued, in CLOCK_BOOTTIME nanoseconds.
[[nodiscard]] SenderPin pin_sender(const ucred& credentials, std::uint64_t queued_at) noexcept;

/// Whether "Uid:"/"Gid:" of a /proc/PID/status text (real, effective, saved)
/// include uid and gid: what the kernel lets a sender put in SCM_CREDENTIALS.
[[nodiscard]] bool status_has_ids(std::string_view status, uid_t uid, gid_t gid) noexcept;

/// "Pid:" of a /proc/self/fdinfo/N text of a pidfd: -1 once reaped.
[[nodiscard]] std::optional<long> pid_from_fdinfo(std::string_view fdinfo) noexcept;

/// Converts a datagram's SO_TIMESTAMPNS (CLOCK_REALTIME) to CLOCK_BOOTTIME
/// nanoseconds, given both clocks read together now; without a timestamp, now.
[[nodiscard]] std::uint64_t queued_boottime(const std::optional<timespec>& sent_realtime,
                                            const timespec& realtime_now,
                                            const timespec& boottime_now) noexcept;

} // namespace nb::daemon
