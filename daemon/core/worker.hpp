#pragma once
// The broker's record of one live worker. Internal to the core; the outside sees
// WorkerInfo rows.

#include "core/broker.hpp"
#include "core/deadline_queue.hpp"
#include "core/worker_info.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace nb::core {

/// Why a worker is late: it matters for WATCHDOG=trigger, which only a missed
/// watchdog (a hang) fires.
/// probe: its health probe failed failure_threshold times in a row; only the
/// probe's next successes clear it (a WATCHDOG=1 or READY=1 of its own do not).
enum class LateReason { none, start_timeout, watchdog, probe };

struct Worker {
    WorkerId id = 0; ///< registration order; never reused
    std::string name;
    /// Named by X_WORKER= (not after its unit or pid): a later X_WORKER= of
    /// another name from the same sender is another worker, not a rename.
    bool named = false;
    std::size_t group = 0; ///< index into BrokerConfig::groups
    Source source = Source::socket;
    pid_t pid = 0;
    uid_t uid = 0;
    std::string bus_name; ///< Source::dbus only
    std::string unit;     ///< the unit (from the cgroup) of the sender it is bound to
    /// Lives while its unit's cgroup is populated (on_followed_by_unit): not
    /// found by `pid`, which is only the last sender's, shown in the table.
    bool follows_unit = false;
    WorkerState state = WorkerState::starting;
    LateReason late = LateReason::none;
    std::string status;       ///< sanitised, cut to max_status_length
    std::string failure;      ///< WorkerInfo::failure; cleared by READY=1
    std::string failure_note; ///< "failed: " + failure, for STATUS
    std::optional<TimePoint> last_ping;
    /// Its last RELOADING=1: a reload it began just before the broker's own
    /// counts for the broker's (core/reload_round.hpp).
    std::optional<TimePoint> reloading_at;
    /// Its own messages say ready: a READY=1 (even one a failing probe kept
    /// from applying) and no RELOADING=1 since. Where a probe's recovery
    /// returns a worker that also reports (core/broker_probes.cpp).
    bool said_ready = false;
    /// Its own WATCHDOG_USEC=, within its group's bounds; unset: the group's.
    std::optional<std::chrono::microseconds> watchdog;
};

} // namespace nb::core
