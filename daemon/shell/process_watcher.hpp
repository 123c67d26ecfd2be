#pragma once
// Watches the processes whose messages were accepted, through pidfds polled on
// the loop, and caches each one's unit while its pidfd is alive. A pidfd pins
// the process: when it becomes readable the process has exited, and a later
// message with the same pid is from a different process.
// Thread-safety: the loop thread only.

#include "base/pidfd.hpp"
#include "base/unique_fd.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <sys/types.h>

namespace nb::daemon {

class ProcessWatcher {
public:
    /// Called (from the loop) once per watched process that exited; the entry
    /// is already gone.
    using ExitHandler = std::function<void(pid_t)>;

    ProcessWatcher(uv_loop_t* loop, ExitHandler on_exit);
    ~ProcessWatcher();
    ProcessWatcher(const ProcessWatcher&) = delete;
    ProcessWatcher& operator=(const ProcessWatcher&) = delete;

    /// The cached unit of a watched pid; nullptr if the pid is not watched.
    [[nodiscard]] const std::string* unit_of(pid_t pid) const noexcept;
    [[nodiscard]] bool watches(pid_t pid) const noexcept { return processes_.contains(pid); }

    /// True if pidfd refers to the same process as the one watched under pid
    /// (pidfs gives each process one inode). Without pidfs, or with no pidfd,
    /// true unless the watched process has already exited.
    [[nodiscard]] bool is_same_process(pid_t pid, int pidfd) const noexcept;
    /// True while the watched process under pid has not exited (one poll(), no
    /// pidfd of the caller needed). False if pid is not watched.
    [[nodiscard]] bool still_running(pid_t pid) const noexcept;
    /// The pidfd watching pid (still owned here), or -1. For the fd store.
    [[nodiscard]] int pidfd_of(pid_t pid) const noexcept;

    enum class Watch {
        watched, ///< followed from now on
        gone,    ///< the process has exited: the caller reports the exit itself
        no_room, ///< out of fds (EMFILE, ENFILE) or libuv refused: not watched,
                 ///< but alive as far as we know; try again on its next datagram
    };
    /// Starts watching pid through pidfd (the caller's SCM_PIDFD, or one from
    /// pidfd_open() when pidfd is invalid). Throws std::bad_alloc.
    Watch watch(pid_t pid, UniqueFd pidfd, std::string unit);

    /// Stops watching pid without calling the exit handler.
    void forget(pid_t pid) noexcept;
    /// Stops watching everything (shutdown).
    void close() noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return processes_.size(); }

private:
    struct Process;
    static void on_exit_of(void* process) noexcept;

    uv_loop_t* loop_;
    ExitHandler on_exit_;
    std::unordered_map<pid_t, std::unique_ptr<Process>> processes_;
};

} // namespace nb::daemon
