#pragma once
// A pidfd of a --pid= target, as systemd-notify 257 keeps one (a pidref): it
// is opened when the option is parsed, so a pid that does not exist is refused
// there, and it gives the pidfd inode id that 257 sends as MAINPIDFDID=.

#include <cstdint>
#include <optional>
#include <utility>

#include <sys/types.h>

namespace nb::cli {

class PidFd {
public:
    PidFd() noexcept = default;
    PidFd(PidFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    PidFd& operator=(PidFd&& other) noexcept;
    PidFd(const PidFd&) = delete;
    PidFd& operator=(const PidFd&) = delete;
    ~PidFd();

    /// Opens a pidfd of pid. Returns 0, or the errno of pidfd_open() that
    /// systemd treats as fatal (ESRCH: no such process). Where the kernel has
    /// no pidfds (ENOSYS) or we are out of fds, returns 0 without one, as
    /// systemd's pidref_set_pid() does.
    int open(pid_t pid) noexcept;

    /// The pidfd's inode id, where pidfds live on pidfs (Linux 6.9+: the id is
    /// unique for the boot); nullopt without a pidfd or without pidfs.
    [[nodiscard]] std::optional<std::uint64_t> inode_id() const noexcept;

    /// The pidfd, or -1 (none opened, or the kernel has no pidfds).
    [[nodiscard]] int fd() const noexcept { return fd_; }

private:
    int fd_ = -1;
};

/// The pidfd inode id of pid (opens a pidfd for the question), or nullopt.
std::optional<std::uint64_t> pidfd_inode_id(pid_t pid) noexcept;

} // namespace nb::cli
