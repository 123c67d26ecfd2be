#include "spawn/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::spawn {

namespace {

std::string errno_text(std::string_view what, int error) {
    return std::string(what) + ": " + std::strerror(error);
}

// Runs in the child between fork() and execve(): async-signal-safe calls only.
[[noreturn]] void exec_child(LaunchPlan& plan, int error_pipe, pid_t parent) noexcept {
    // Handlers are reset by execve, but ignored signals (the broker ignores
    // SIGPIPE) and the blocked mask would be inherited: undo both.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signum = 1; signum < NSIG; ++signum) {
        ::sigaction(signum, &default_action, nullptr);
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // A worker must not outlive a broker that was killed outright.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
        ::_exit(143);
    }
    plan.set_watchdog_pid(::getpid());
    ::execve(plan.path(), plan.argv(), plan.envp());
    const int error = errno;
    [[maybe_unused]] const auto written = ::write(error_pipe, &error, sizeof error);
    ::_exit(127);
}

} // namespace

proto::Result<std::unique_ptr<ChildProcess>> ChildProcess::start(uv_loop_t* loop, LaunchPlan plan,
                                                                 ExitFn on_exit) {
    plan.prepare();
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return proto::Error{errno_text("pipe2", errno)};
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int error = errno;
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        return proto::Error{errno_text("fork", error)};
    }
    if (pid == 0) {
        ::close(pipe_fds[0]);
        exec_child(plan, pipe_fds[1], parent);
    }
    ::close(pipe_fds[1]);
    // The pipe closes on a successful execve (O_CLOEXEC); otherwise it carries errno.
    int exec_error = 0;
    ssize_t got = 0;
    do {
        got = ::read(pipe_fds[0], &exec_error, sizeof exec_error);
    } while (got < 0 && errno == EINTR);
    ::close(pipe_fds[0]);
    if (got == sizeof exec_error) {
        int ignored = 0;
        ::waitpid(pid, &ignored, 0);
        return proto::Error{"cannot run '" + std::string(plan.path()) +
                            "': " + std::strerror(exec_error)};
    }

    // The child is not reaped before we reap it, so pidfd_open cannot miss it.
    daemon::UniqueFd pidfd = daemon::open_pidfd(pid);
    if (!pidfd) {
        const int error = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return proto::Error{errno_text("pidfd_open", error)};
    }
    std::unique_ptr<ChildProcess> child(new ChildProcess(pid, std::move(on_exit)));
    const int rc =
        child->watch_.start(loop, std::move(pidfd), &ChildProcess::on_readable, child.get());
    if (rc != 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return proto::Error{std::string("cannot watch the child's pidfd: ") + uv_strerror(rc)};
    }
    return child;
}

ChildProcess::~ChildProcess() {
    close();
}

bool ChildProcess::signal(int signum) noexcept {
    if (!watch_.active()) {
        return false;
    }
    return daemon::signal_pidfd(watch_.pidfd(), signum) == 0;
}

void ChildProcess::close() noexcept {
    watch_.stop();
}

void ChildProcess::on_readable(void* child) noexcept {
    static_cast<ChildProcess*>(child)->reap();
}

void ChildProcess::reap() noexcept {
    int status = 0;
    pid_t reaped = 0;
    do {
        reaped = ::waitpid(pid_, &status, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped == 0) {
        return; // readable but not yet reapable: poll again
    }
    if (reaped < 0) {
        status = 0; // someone else reaped it (ECHILD): we cannot know its status
    }
    close();
    if (on_exit_) {
        on_exit_(*this, status);
    }
}

} // namespace nb::spawn
