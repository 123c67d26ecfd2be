#include "shell/process_watcher.hpp"

#include "base/logger.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

constexpr long pidfs_magic = 0x50494446; // PIDFS_MAGIC, Linux >= 6.9

} // namespace

struct ProcessWatcher::Process {
    ProcessWatcher* owner = nullptr;
    pid_t pid = 0;
    std::string unit;
    ino_t inode = 0;
    UniqueFd pidfd; // declared before poll: closed after it
    UvHandle<uv_poll_t> poll;
};

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

UniqueFd open_pidfd(pid_t pid) noexcept {
    return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

bool pidfd_exited(int pidfd) noexcept {
    pollfd entry{pidfd, POLLIN, 0};
    return ::poll(&entry, 1, 0) > 0;
}

ProcessWatcher::ProcessWatcher(uv_loop_t* loop, ExitHandler on_exit)
    : loop_(loop)
    , on_exit_(std::move(on_exit)) {}

ProcessWatcher::~ProcessWatcher() {
    close();
}

const std::string* ProcessWatcher::unit_of(pid_t pid) const noexcept {
    const auto found = processes_.find(pid);
    return found == processes_.end() ? nullptr : &found->second->unit;
}

bool ProcessWatcher::is_same_process(pid_t pid, int pidfd) const noexcept {
    const auto found = processes_.find(pid);
    if (found == processes_.end()) {
        return false;
    }
    const Process& process = *found->second;
    if (pidfd >= 0 && pidfd_inodes_identify_processes(pidfd)) {
        return inode_of(pidfd) == process.inode;
    }
    return !pidfd_exited(process.pidfd.get());
}

bool ProcessWatcher::still_running(pid_t pid) const noexcept {
    const auto found = processes_.find(pid);
    return found != processes_.end() && !pidfd_exited(found->second->pidfd.get());
}

int ProcessWatcher::pidfd_of(pid_t pid) const noexcept {
    const auto found = processes_.find(pid);
    return found == processes_.end() ? -1 : found->second->pidfd.get();
}

bool ProcessWatcher::watch(pid_t pid, UniqueFd pidfd, std::string unit) {
    if (!pidfd) {
        pidfd = open_pidfd(pid);
        if (!pidfd) {
            return false;
        }
    }
    auto process = std::make_unique<Process>();
    process->owner = this;
    process->pid = pid;
    process->unit = std::move(unit);
    process->inode = inode_of(pidfd.get());
    process->pidfd = std::move(pidfd);
    if (process->poll.init(uv_poll_init, loop_, process.get(), process->pidfd.get()) != 0 ||
        uv_poll_start(process->poll.get(), UV_READABLE, &ProcessWatcher::on_poll) != 0) {
        return false;
    }
    if (log_enabled(LogLevel::debug)) {
        log(LogLevel::debug, "watching pid " + std::to_string(pid) + " (pidfd " +
                                 std::to_string(process->pidfd.get()) + ", unit '" + process->unit +
                                 "')");
    }
    processes_[pid] = std::move(process);
    return true;
}

void ProcessWatcher::on_poll(uv_poll_t* handle, int /*status*/, int /*events*/) noexcept {
    // Readable or an error: either way this pidfd has nothing more to tell.
    auto* process = static_cast<Process*>(handle->data);
    if (process == nullptr) {
        return;
    }
    ProcessWatcher* owner = process->owner;
    const pid_t pid = process->pid;
    owner->processes_.erase(pid); // closes the poll handle and the pidfd
    try {
        owner->on_exit_(pid);
    } catch (...) {
        log(LogLevel::err, "process exit handler failed for pid " + std::to_string(pid));
    }
}

void ProcessWatcher::forget(pid_t pid) noexcept {
    processes_.erase(pid);
}

void ProcessWatcher::close() noexcept {
    processes_.clear();
}

} // namespace nb::daemon
