#pragma once
// One spawned child: fork()+execve() of a prepared LaunchPlan, a pidfd that
// pins it against pid reuse, and a uv_poll on that pidfd that reaps it when it
// exits. Signals go through the pidfd, so a recycled pid is never signalled.
// Thread-safety: the loop thread only. Callbacks are invoked from the loop.

#include "base/pidfd.hpp"
#include "spawn/launch_plan.hpp"

#include <nb/proto/result.hpp>

#include <uv.h>

#include <functional>
#include <memory>

#include <sys/types.h>

namespace nb::spawn {

class ChildProcess {
public:
    /// Called once, from the loop, after the child was reaped; `wait_status` is
    /// waitpid()'s status. The ChildProcess may be destroyed inside the call.
    using ExitFn = std::function<void(ChildProcess& child, int wait_status)>;

    /// Forks and execs `plan`. The child gets default signal handling and an
    /// empty signal mask, and SIGTERM when the broker dies (PR_SET_PDEATHSIG).
    /// Returns an Error when fork, pidfd_open or libuv fail, or when execve
    /// fails in the child ("cannot run '/bin/x': Permission denied"); the
    /// child is then already reaped. Throws std::bad_alloc.
    [[nodiscard]] static proto::Result<std::unique_ptr<ChildProcess>>
    start(uv_loop_t* loop, LaunchPlan plan, ExitFn on_exit);

    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] bool running() const noexcept { return watch_.active(); }

    /// Sends `signum` through the pidfd. False if the child already exited or
    /// the kernel refused.
    bool signal(int signum) noexcept;

    /// Stops watching (asynchronously: the loop must run once more). The child,
    /// if still running, is not reaped by us any more. Idempotent.
    void close() noexcept;

private:
    ChildProcess(pid_t pid, ExitFn on_exit) : pid_(pid), on_exit_(std::move(on_exit)) {}
    static void on_readable(void* child) noexcept;
    void reap() noexcept;

    pid_t pid_;
    ExitFn on_exit_;
    daemon::PidfdWatch watch_;
};

} // namespace nb::spawn
