#include "pidfd_id.hpp"

#include <cerrno>

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nb::cli {
namespace {

// The magic of pidfs (include/uapi/linux/magic.h), missing from older headers.
constexpr long pidfs_magic = 0x50494446;

} // namespace

PidFd& PidFd::operator=(PidFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

PidFd::~PidFd() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

int PidFd::open(pid_t pid) noexcept {
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) {
        const int error = errno;
        // systemd's pidref_set_pid(): no pidfds here, or no fds left, is not
        // an error (it goes on with the bare pid); anything else is.
        if (error == ENOSYS || error == EOPNOTSUPP || error == EMFILE || error == ENFILE ||
            error == ENOMEM) {
            return 0;
        }
        return error;
    }
    *this = PidFd();
    fd_ = static_cast<int>(fd);
    return 0;
}

std::optional<std::uint64_t> PidFd::inode_id() const noexcept {
    if (fd_ < 0) {
        return std::nullopt;
    }
    // Only on pidfs is the inode number an id of the process; before 6.9 every
    // pidfd shares one anonymous inode (systemd 257's pidfd_get_inode_id()).
    struct statfs filesystem {};
    if (::fstatfs(fd_, &filesystem) < 0 || filesystem.f_type != pidfs_magic) {
        return std::nullopt;
    }
    struct stat info {};
    if (::fstat(fd_, &info) < 0) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(info.st_ino);
}

std::optional<std::uint64_t> pidfd_inode_id(pid_t pid) noexcept {
    PidFd fd;
    if (fd.open(pid) != 0) {
        return std::nullopt;
    }
    return fd.inode_id();
}

} // namespace nb::cli
