#include "shell/process_watcher.hpp"

#include "base/logger.hpp"

#include <cerrno>

namespace nb::daemon {

struct ProcessWatcher::Process {
    ProcessWatcher* owner = nullptr;
    pid_t pid = 0;
    std::string unit;
    ino_t inode = 0;
    PidfdWatch watch;
};

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
    return !pidfd_exited(process.watch.pidfd());
}

bool ProcessWatcher::still_running(pid_t pid) const noexcept {
    const auto found = processes_.find(pid);
    return found != processes_.end() && !pidfd_exited(found->second->watch.pidfd());
}

int ProcessWatcher::pidfd_of(pid_t pid) const noexcept {
    const auto found = processes_.find(pid);
    return found == processes_.end() ? -1 : found->second->watch.pidfd();
}

ProcessWatcher::Watch ProcessWatcher::watch(pid_t pid, UniqueFd pidfd, std::string unit) {
    if (!pidfd) {
        pidfd = open_pidfd(pid);
        if (!pidfd) {
            // ESRCH: gone. Anything else (EMFILE, ENFILE, ENOMEM) says nothing
            // about the process: it must not be declared gone for our shortage.
            return errno == ESRCH ? Watch::gone : Watch::no_room;
        }
    }

    auto process = std::make_unique<Process>();
    process->owner = this;
    process->pid = pid;
    process->unit = std::move(unit);
    process->inode = inode_of(pidfd.get());
    if (process->watch.start(loop_, std::move(pidfd), &ProcessWatcher::on_exit_of, process.get()) !=
        0) {
        return Watch::no_room; // epoll refused (ENOMEM, ENOSPC: max_user_watches)
    }
    if (log_enabled(LogLevel::debug)) {
        log(LogLevel::debug, "watching pid " + std::to_string(pid) + " (pidfd " +
                                 std::to_string(process->watch.pidfd()) + ", unit '" +
                                 process->unit + "')");
    }
    processes_[pid] = std::move(process);
    return Watch::watched;
}

void ProcessWatcher::on_exit_of(void* context) noexcept {
    auto* process = static_cast<Process*>(context);
    ProcessWatcher* owner = process->owner;
    const pid_t pid = process->pid;
    owner->processes_.erase(pid); // stops the watch and closes the pidfd
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
