#include "base/pidfd.hpp"

#include <utility>

#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

constexpr long pidfs_magic = 0x50494446; // PIDFS_MAGIC, Linux >= 6.9

} // namespace

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37): call the kernel directly.
UniqueFd open_pidfd(pid_t pid) noexcept {
    return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U)));
}

int signal_pidfd(int pidfd, int signum) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signum, nullptr, 0U));
}

bool pidfd_exited(int pidfd) noexcept {
    pollfd entry{pidfd, POLLIN, 0};
    return ::poll(&entry, 1, 0) > 0;
}

ino_t inode_of(int fd) noexcept {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

bool pidfd_inodes_identify_processes(int pidfd) noexcept {
    // Decided once: every pidfd lives on the same filesystem.
    static const bool answer = [pidfd] {
        struct statfs fs {};
        return ::fstatfs(pidfd, &fs) == 0 && fs.f_type == pidfs_magic;
    }();
    return answer;
}

std::optional<ino_t> process_identity(int pidfd) noexcept {
    if (pidfd < 0 || !pidfd_inodes_identify_processes(pidfd)) {
        return std::nullopt;
    }
    const ino_t inode = inode_of(pidfd);
    return inode == 0 ? std::nullopt : std::optional<ino_t>(inode);
}

int PidfdWatch::start(uv_loop_t* loop, UniqueFd pidfd, ExitFn on_exit, void* context) noexcept {
    stop();
    pidfd_ = std::move(pidfd);
    on_exit_ = on_exit;
    context_ = context;
    int rc = poll_.init(uv_poll_init, loop, this, pidfd_.get());
    if (rc == 0) {
        rc = uv_poll_start(poll_.get(), UV_READABLE, &PidfdWatch::on_poll);
    }
    if (rc != 0) {
        stop();
    }
    return rc;
}

void PidfdWatch::stop() noexcept {
    poll_.close();
    pidfd_.reset();
}

void PidfdWatch::on_poll(uv_poll_t* handle, int /*status*/, int /*events*/) noexcept {
    // Readable or an error: either way the process has nothing more to tell.
    auto* self = static_cast<PidfdWatch*>(handle->data);
    if (self != nullptr && self->on_exit_ != nullptr) {
        self->on_exit_(self->context_); // may destroy *self: nothing after this
    }
}

} // namespace nb::daemon
