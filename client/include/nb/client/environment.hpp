#pragma once
// The environment questions of sd-daemon(3) a service asks at start-up.
// Thread-safety: they read (and optionally unset) environment variables, so
// they must not race with setenv()/unsetenv() in other threads.

#include <chrono>
#include <optional>

namespace nb::client {

/// sd_watchdog_enabled(): the watchdog interval when WATCHDOG_USEC is set to a
/// positive number and WATCHDOG_PID is unset or equals getpid(); nullopt
/// otherwise (including malformed values). unset_environment removes both
/// variables, so children do not inherit them. Ping at half the interval.
std::optional<std::chrono::microseconds> watchdog_enabled(bool unset_environment = false);

/// sd_booted(): true if /run/systemd/system/ exists (the system runs systemd).
bool booted();

} // namespace nb::client
