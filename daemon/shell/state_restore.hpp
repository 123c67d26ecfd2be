#pragma once
// Start-up after a restart: takes the pool's state over from the fd store
// entries systemd passed back (LISTEN_FDS), so the broker is ready again
// without the workers saying READY=1 a second time.
// Thread-safety: the loop thread, before the worker socket is read.

#include "core/broker.hpp"
#include "shell/process_watcher.hpp"
#include "shell/socket_activation.hpp"
#include "shell/unit_workers.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
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
    /// Unique bus names of the D-Bus workers taken back, for the bus to check
    /// (dbus::BusService::adopt_restored).
    std::vector<std::string> bus_names;
};

/// Whether a D-Bus worker of the snapshot is to be taken back (its unique
/// name is then checked with the bus, which drops it if the name has no owner).
using BusWorkerFilter = std::function<bool(const core::WorkerRecord&)>;

/// Reads the newest valid nb-state.N snapshot, keeps the workers that are
/// still there and imports them into `broker` (which queues READY=1 if the
/// rule holds):
///  - a worker watched by pid (its own, or the main process MAINPID= named),
///    if its process is still the same one: the pidfd the store kept, else
///    pidfd_open() and the pidfs inode or start time the snapshot recorded
///    (nothing recorded: refused); every worker of that process comes back;
///  - a worker following its unit (units), if the unit's recorded cgroup is
///    still populated; the cgroup watch resumes;
///  - a D-Bus worker, if `bus_workers` takes it.
/// Pid-watched ones are watched with `processes`. A bad, foreign or unsealed
/// state is logged and ignored. Every fd in `stored` is closed or handed to
/// `processes`. Never throws but std::bad_alloc.
RestoredState restore_state(std::vector<NamedFd> stored, core::Broker& broker,
                            ProcessWatcher& processes, core::TimePoint now,
                            UnitWorkers* units = nullptr, const BusWorkerFilter& bus_workers = {});

} // namespace nb::daemon
