#pragma once
// Everything one spawned child needs, prepared in the parent before fork():
// the broker may have threads (libuv's pool, sd-bus), so between fork() and
// execve() the child may only make async-signal-safe calls and must not
// allocate. The only per-child value the parent cannot know, the child's own
// pid for WATCHDOG_PID=, is written by the child into room reserved here.
// Thread-safety: a value type; the child writes only its own copy.

#include <nb/proto/result.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::spawn {

/// What the children of one spawn run, and the broker-specific environment.
struct LaunchRequest {
    std::vector<std::string> command; ///< command[0] is looked up in PATH
    std::string socket_path;          ///< becomes NOTIFY_SOCKET
    unsigned copies = 1;              ///< NOTIFY_BROKER_WORKERS
    /// Worker watchdog: WATCHDOG_USEC (and the child's WATCHDOG_PID). 0: none.
    std::chrono::microseconds watchdog{0};
};

class LaunchPlan {
public:
    /// Resolves the program (PATH from `environment`) and builds the child's
    /// environment: `environment` without the broker's own systemd variables
    /// (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*), plus NOTIFY_SOCKET,
    /// NOTIFY_BROKER_WORKER_INDEX=index, NOTIFY_BROKER_WORKERS and the watchdog.
    /// Returns Error "cannot run 'x': not found in PATH" (or not executable).
    /// Throws std::bad_alloc.
    [[nodiscard]] static proto::Result<LaunchPlan>
    make(const LaunchRequest& request, unsigned index, const std::vector<std::string>& environment);

    /// The environment of this process as a list of "KEY=VALUE".
    [[nodiscard]] static std::vector<std::string> current_environment();

    /// Builds the pointer arrays; call in the parent, after the last move.
    void prepare();
    [[nodiscard]] const char* path() const noexcept { return path_.c_str(); }
    [[nodiscard]] char* const* argv() const noexcept { return argv_.data(); }
    [[nodiscard]] char* const* envp() const noexcept { return envp_.data(); }
    [[nodiscard]] const std::vector<std::string>& environment() const noexcept { return env_; }

    /// In the child, after fork(): writes `pid` into WATCHDOG_PID= (no-op without
    /// a watchdog). Async-signal-safe.
    void set_watchdog_pid(pid_t pid) noexcept;

private:
    std::string path_;
    std::vector<std::string> args_;
    std::vector<std::string> env_;
    std::vector<char*> argv_;
    std::vector<char*> envp_;
    static constexpr std::size_t no_watchdog = static_cast<std::size_t>(-1);
    std::size_t watchdog_pid_entry_ = no_watchdog;
};

} // namespace nb::spawn
