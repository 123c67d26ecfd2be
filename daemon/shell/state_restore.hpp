#pragma once
// Start-up after a restart: takes the pool's state over from the fd store
// entries systemd passed back (LISTEN_FDS), so the broker is ready again
// without the workers saying READY=1 a second time.
// Thread-safety: the loop thread, before the worker socket is read.

#include "core/broker.hpp"
#include "shell/process_watcher.hpp"
#include "shell/socket_activation.hpp"

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace nb::daemon {

struct RestoredState {
    std::uint64_t sequence = 0; ///< of the snapshot taken over; 0: none
    std::size_t workers = 0;    ///< taken over and watched
    std::size_t dropped = 0;    ///< exited in the gap, or their pid is another process now
    /// What systemd's store still holds: pid -> pidfs identity (0 unknown) of
    /// each nb-pidfd-PID entry, and whether any nb-state slot was passed.
    std::unordered_map<pid_t, std::uint64_t> stored_pidfds;
};

/// Reads the newest valid nb-state.N snapshot, keeps the workers whose
/// process is still the same one (their stored pidfd, else pidfd_open() and
/// the pidfs inode or start time the snapshot recorded), imports them into
/// `broker` (which queues READY=1 if the rule holds) and watches them with
/// `processes`. A bad, foreign or unsealed state is logged and ignored. Every
/// fd in `stored` is closed or handed to `processes`. Never throws but
/// std::bad_alloc.
RestoredState restore_state(std::vector<NamedFd> stored, core::Broker& broker,
                            ProcessWatcher& processes, core::TimePoint now);

} // namespace nb::daemon
