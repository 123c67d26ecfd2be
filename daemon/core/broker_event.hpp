#pragma once
// What happened to a worker or the pool, for the shell's structured log
// (Broker::take_events()): the core decides, the shell writes the entry.
// Thread-safety: a value type.

#include <cstddef>
#include <string>

#include <sys/types.h>

namespace nb::core {

struct BrokerEvent {
    enum class Kind {
        worker_ready,  ///< a worker became ready (first READY=1, or back from late/reloading)
        worker_late,   ///< missed its start timeout or its watchdog
        worker_gone,   ///< left: its process exited, its bus name left, STOPPING=1
        pool_ready,    ///< the readiness rule holds
        pool_degraded, ///< it held once and no longer does
        pool_stopping, ///< the broker is stopping
    };
    Kind kind = Kind::worker_ready;
    std::string worker; ///< empty for pool events
    std::string group;
    std::string unit;
    pid_t pid = 0;
    uid_t uid = 0;
    std::string reason; ///< "start timeout", "watchdog", "exited", "STOPPING=1"; empty if none
};

/// Events kept between two take_events(): the oldest are kept, later ones dropped.
inline constexpr std::size_t max_pending_events = 1024;

} // namespace nb::core
