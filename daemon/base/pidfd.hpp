#pragma once
// Processes through pidfds: a pidfd pins its process, so a recycled pid is never
// mistaken for it or signalled; it becomes readable when the process exits.
// PidfdWatch polls one on the loop, for the shell's process watcher and spawn's
// child processes alike.
// Thread-safety: the free functions are; a PidfdWatch belongs to the loop thread.

#include "base/unique_fd.hpp"
#include "base/uv_handle.hpp"

#include <optional>

#include <sys/types.h>

namespace nb::daemon {

/// pidfd_open(pid): an invalid UniqueFd when the process is gone.
[[nodiscard]] UniqueFd open_pidfd(pid_t pid) noexcept;

/// pidfd_send_signal(): 0, or -1 with errno set (the process is gone, EPERM).
int signal_pidfd(int pidfd, int signum) noexcept;

/// True when the pidfd says its process has exited (one poll(), no waiting).
[[nodiscard]] bool pidfd_exited(int pidfd) noexcept;

/// A number that names the process behind pidfd for as long as the system
/// runs (its pidfs inode, Linux >= 6.9); nothing on older kernels.
[[nodiscard]] std::optional<ino_t> process_identity(int pidfd) noexcept;

/// True when pidfd's inode names its process (pidfs); decided once.
[[nodiscard]] bool pidfd_inodes_identify_processes(int pidfd) noexcept;

/// fstat()'s inode of fd; 0 when fstat fails.
[[nodiscard]] ino_t inode_of(int fd) noexcept;

/// Polls one pidfd on the loop and says when its process has exited.
class PidfdWatch {
public:
    /// Runs from the loop each time the pidfd is readable (the process exited),
    /// until stop(). The watch may be stopped or destroyed inside the call.
    using ExitFn = void (*)(void* context) noexcept;

    PidfdWatch() noexcept = default;
    ~PidfdWatch() { stop(); }
    PidfdWatch(const PidfdWatch&) = delete;
    PidfdWatch& operator=(const PidfdWatch&) = delete;

    /// Takes pidfd and starts polling it. Returns libuv's error (0 on
    /// success); on error nothing is watched and the pidfd is closed.
    int start(uv_loop_t* loop, UniqueFd pidfd, ExitFn on_exit, void* context) noexcept;

    /// Stops polling, then closes the pidfd (never while libuv still polls it).
    /// Idempotent.
    void stop() noexcept;

    [[nodiscard]] bool active() const noexcept { return static_cast<bool>(poll_); }
    /// The watched pidfd (still owned here), or -1.
    [[nodiscard]] int pidfd() const noexcept { return pidfd_.get(); }

private:
    static void on_poll(uv_poll_t* handle, int status, int events) noexcept;

    UniqueFd pidfd_; // declared before poll_: closed after it
    UvHandle<uv_poll_t> poll_;
    ExitFn on_exit_ = nullptr;
    void* context_ = nullptr;
};

} // namespace nb::daemon
