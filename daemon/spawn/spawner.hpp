#pragma once
// Spawn mode (`notify-brokerd [options] -- COMMAND...`): runs N copies of
// COMMAND as the broker's workers, forwards the broker's signals to them, and
// reports when all have exited with the status the broker should exit with.
//
// Each child gets NOTIFY_SOCKET = the broker's socket, NOTIFY_BROKER_WORKER_INDEX
// (0..N-1, e.g. for X_WORKER=web-$NOTIFY_BROKER_WORKER_INDEX), NOTIFY_BROKER_WORKERS
// (N), and with a worker watchdog WATCHDOG_USEC plus WATCHDOG_PID = its own pid
// (so sd_watchdog_enabled() is true in the child, not in its children). The
// broker's own NOTIFY_SOCKET, WATCHDOG_* and LISTEN_* never reach a child.
//
// Exit status: the first non-zero status in the order the children exited; a
// child killed by signal S counts as 128+S, except a signal the broker forwarded
// to it (SIGTERM on `systemctl stop`), which counts as a clean exit, as systemd
// itself treats SIGTERM/SIGINT/SIGHUP for a main process.
// Thread-safety: the loop thread only; callbacks are invoked from the loop.

#include "spawn/child_process.hpp"
#include "spawn/launch_plan.hpp"
#include "spawn/spawn_settings.hpp"

#include <nb/proto/result.hpp>

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::spawn {

class Spawner {
public:
    struct Callbacks {
        /// A child was started (mark its pid Source::spawned). May be empty.
        std::function<void(pid_t pid, unsigned index)> on_started;
        /// A child exited; `code` is its exit code or 128+signal (even for a
        /// forwarded signal: this is for logs). May be empty.
        std::function<void(pid_t pid, int code)> on_exit;
        /// Every child has exited; exit the broker with `code`. May be empty.
        std::function<void(int code)> on_all_exited;
    };

    /// What to exit with when the command cannot be started at all (env(1)'s 127).
    static constexpr int exit_cannot_run = 127;

    /// Nothing runs until start(). `worker_watchdog` > 0 sets WATCHDOG_USEC.
    Spawner(uv_loop_t* loop, daemon::SpawnSettings settings, std::string socket_path,
            Callbacks callbacks, std::chrono::microseconds worker_watchdog = {});
    ~Spawner();
    Spawner(const Spawner&) = delete;
    Spawner& operator=(const Spawner&) = delete;

    /// Starts every copy. Returns an Error naming the command when one cannot be
    /// started (not found, not executable, fork failed): the copies already
    /// running are sent SIGTERM and on_all_exited is not called; close() and
    /// exit with exit_cannot_run. Throws std::bad_alloc.
    [[nodiscard]] proto::Status start();

    /// Sends `signum` to every running child; the exit by this signal then counts
    /// as clean. Returns how many children it reached.
    unsigned forward(int signum) noexcept;

    /// Pids of the children still running.
    [[nodiscard]] std::vector<pid_t> children() const;
    [[nodiscard]] bool is_child(pid_t pid) const noexcept;
    /// True once start() succeeded and every child has exited.
    [[nodiscard]] bool all_exited() const noexcept { return started_ && running_ == 0; }
    /// The status the broker should exit with (valid once all_exited()).
    [[nodiscard]] int exit_code() const noexcept { return exit_code_; }

    /// Stops watching the children (asynchronously: run the loop once more).
    /// Children still running are sent SIGTERM: they must not outlive the broker.
    /// No callback runs afterwards. Idempotent.
    void close() noexcept;

private:
    struct Slot {
        std::unique_ptr<ChildProcess> process;
        pid_t pid = 0;
        std::set<int> forwarded; ///< signals sent to this child
    };

    void on_child_exit(std::size_t index, int wait_status) noexcept;

    uv_loop_t* loop_;
    daemon::SpawnSettings settings_;
    std::string socket_path_;
    Callbacks callbacks_;
    std::chrono::microseconds worker_watchdog_;
    std::vector<Slot> slots_;
    unsigned running_ = 0;
    int exit_code_ = 0;
    bool started_ = false;
    bool closed_ = false;
};

} // namespace nb::spawn
