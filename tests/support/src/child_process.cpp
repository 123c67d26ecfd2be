#include "poll_readable.hpp"

#include <nb/test/child_process.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::test {
namespace {

/// In a forked child that does not exec, close what exec would have closed: the
/// test's own sockets and other children's stdin pipes must not be held open.
void close_exec_fds() {
    std::vector<int> doomed;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        const int fd = std::stoi(entry.path().filename().string());
        const int flags = ::fcntl(fd, F_GETFD);
        if (fd > STDERR_FILENO && flags >= 0 && (flags & FD_CLOEXEC) != 0) {
            doomed.push_back(fd);
        }
    }
    for (const int fd : doomed) {
        ::close(fd);
    }
}

} // namespace

ChildProcess ChildProcess::start(const std::function<void()>& in_child,
                                 const SpawnOptions& options) {
    int pipe_fds[2] = {-1, -1};
    if (options.stdin_pipe && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        if (options.stdin_pipe) {
            ::dup2(pipe_fds[0], STDIN_FILENO);
        }
        if (!options.output_file.empty()) {
            const int out = ::open(options.output_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
        }
        for (const auto& [name, value] : options.env) {
            if (value) {
                ::setenv(name.c_str(), value->c_str(), 1);
            } else {
                ::unsetenv(name.c_str());
            }
        }
        if (options.listen_fd >= 0) {
            // sd_listen_fds(): the fd at 3, for this very pid.
            if (options.listen_fd == 3) {
                ::fcntl(3, F_SETFD, 0);
            } else {
                ::dup2(options.listen_fd, 3);
            }
            ::setenv("LISTEN_FDS", "1", 1);
            ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
            ::setenv("LISTEN_FDNAMES", "notify", 1);
        } else if (!options.named_listen_fds.empty()) {
            // Out of the way first: a source may sit where another one goes.
            std::vector<int> high;
            std::string names;
            for (const auto& [name, fd] : options.named_listen_fds) {
                high.push_back(::fcntl(fd, F_DUPFD_CLOEXEC, 1000));
                names += (names.empty() ? "" : ":") + name;
            }
            for (std::size_t i = 0; i < high.size(); ++i) {
                ::dup2(high[i], 3 + static_cast<int>(i)); // without FD_CLOEXEC
            }
            ::setenv("LISTEN_FDS", std::to_string(high.size()).c_str(), 1);
            ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
            ::setenv("LISTEN_FDNAMES", names.c_str(), 1);
        }
        close_exec_fds();
        in_child();
        ::_exit(127);
    }
    ChildProcess child;
    child.pid_ = pid;
    child.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (options.stdin_pipe) {
        ::close(pipe_fds[0]);
        child.stdin_fd_ = pipe_fds[1];
    }
    return child;
}

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv,
                                 const SpawnOptions& options) {
    return start(
        [&argv, &options] {
            std::vector<char*> args;
            for (const auto& arg : argv) {
                args.push_back(const_cast<char*>(arg.c_str()));
            }
            args.push_back(nullptr);
            // Nothing of the test (ctest's log, other sockets) leaks into the program.
            ::close_range(options.listen_fd >= 0
                              ? 4U
                              : 3U + static_cast<unsigned>(options.named_listen_fds.size()),
                          ~0U, 0);
            ::execv(args[0], args.data());
            ::_exit(127);
        },
        options);
}

ChildProcess ChildProcess::fork(const std::function<int()>& fn, const SpawnOptions& options) {
    return start([&fn] { ::_exit(fn()); }, options);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1))
    , pidfd_(std::exchange(other.pidfd_, -1))
    , stdin_fd_(std::exchange(other.stdin_fd_, -1))
    , reaped_(other.reaped_) {}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (pidfd_ >= 0) {
        ::close(pidfd_);
    }
    if (stdin_fd_ >= 0) {
        ::close(stdin_fd_);
    }
}

void ChildProcess::signal(int signum) const {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, signum);
    }
}

void ChildProcess::close_stdin() {
    if (stdin_fd_ >= 0) {
        ::close(stdin_fd_);
        stdin_fd_ = -1;
    }
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (reaped_ || pid_ <= 0) {
        return std::nullopt;
    }
    if (detail::poll_readable(pidfd_, timeout) <= 0) {
        return std::nullopt;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) {
        return std::nullopt;
    }
    reaped_ = true;
    return status;
}

int ChildProcess::wait_exit_code(std::chrono::milliseconds timeout) {
    const auto status = wait(timeout);
    if (!status) {
        return -1000;
    }
    if (WIFEXITED(*status)) {
        return WEXITSTATUS(*status);
    }
    return WIFSIGNALED(*status) ? -WTERMSIG(*status) : -1000;
}

} // namespace nb::test
