#pragma once
// One row of the worker table, as D-Bus and the CLI show it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::core {

/// probe: a worker the broker's own health probes stand for (core/probe_machine.hpp).
enum class Source { socket, dbus, spawned, probe };
[[nodiscard]] std::string_view to_string(Source) noexcept;

enum class WorkerState { starting, ready, reloading, late, stopping, gone };
[[nodiscard]] std::string_view to_string(WorkerState) noexcept;

struct WorkerInfo {
    std::string name;
    std::string group;
    Source source = Source::socket;
    pid_t pid = 0;
    uid_t uid = 0;
    WorkerState state = WorkerState::starting;
    std::string status;
    /// What the worker said went wrong (ERRNO=, BUSERROR=, VARLINKERROR=,
    /// EXIT_STATUS=): "errno 13, exit status 3"; empty if nothing.
    std::string failure;
    /// Time since the last WATCHDOG=1 (or since registration); empty if never pinged.
    std::optional<std::chrono::microseconds> last_ping_age;
};

} // namespace nb::core
