#pragma once
// What a broker hands to its successor across a restart (a crash, a watchdog
// kill): the live workers, so that the pool is ready again at once and nobody
// has to say READY=1 a second time. Plain data; the codec is in
// state_codec.hpp, the export/import in Broker (broker_restore.cpp), the fd
// store I/O in the shell (shell/state_store.hpp).

#include "core/worker_info.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::core {

/// One live worker as the old broker knew it.
struct WorkerRecord {
    std::string name;
    std::string group; ///< at export time; the importer re-matches by name
    Source source = Source::socket;
    pid_t pid = 0;
    uid_t uid = 0;
    WorkerState state = WorkerState::starting; ///< starting, ready, reloading or late
    /// Only for late: it missed its watchdog (a hang) rather than its start.
    bool late_watchdog = false;
    std::string status;
    /// Its last WATCHDOG=1, in CLOCK_MONOTONIC µs (the same clock in every
    /// process of the machine, so it survives the restart as it is).
    std::optional<std::int64_t> last_ping_us;
    /// Filled by the shell: what identifies the process beyond its pid, so that
    /// a pid reused during the gap is not taken for the worker. 0 = unknown.
    std::uint64_t process_identity = 0; ///< pidfs inode of its pidfd (Linux >= 6.9)
    std::uint64_t start_time = 0;       ///< field 22 of /proc/PID/stat (clock ticks)

    // --- since version 2 (a version 1 snapshot leaves them at their defaults) ---
    /// Named by X_WORKER= (not after its unit or pid).
    bool named = false;
    /// Lives while its unit's cgroup is populated (a script's worker reporting
    /// through short-lived commands): restored by that cgroup, not by `pid`,
    /// which is only the last sender's.
    bool follows_unit = false;
    std::string unit;     ///< the unit (from the cgroup) of the sender it is bound to
    std::string cgroup;   ///< follows_unit: the unit's cgroup path; filled by the shell
    std::string bus_name; ///< Source::dbus: its unique name (":1.42")
    /// Its own WATCHDOG_USEC=; unset: its group's.
    std::optional<std::int64_t> watchdog_us;
    std::string failure; ///< what it said went wrong (ERRNO=, ...), WorkerInfo::failure
    /// Filled by the shell from the pinned process before import, never stored:
    /// who it is now, for the policy's second look (the rules may have changed
    /// across the restart, and a process may have changed its ids).
    std::optional<uid_t> current_uid; ///< effective uid; unset: the recorded uid
    std::optional<gid_t> current_gid; ///< effective gid; unset: no gid rule matches
    std::string current_unit;

    friend bool operator==(const WorkerRecord&, const WorkerRecord&) = default;
};

struct StateSnapshot {
    /// Grows with every snapshot a broker writes; the importer prefers the highest.
    std::uint64_t sequence = 0;
    std::int64_t taken_at_us = 0; ///< CLOCK_MONOTONIC µs
    std::vector<WorkerRecord> workers;

    friend bool operator==(const StateSnapshot&, const StateSnapshot&) = default;
};

} // namespace nb::core
