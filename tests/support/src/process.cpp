#include "poll_readable.hpp"

#include <nb/test/fd.hpp>
#include <nb/test/process.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace nb::test {
namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

int remaining_ms(clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

std::vector<std::string> environment_for(const ProcessOptions& options) {
    std::vector<std::string> result;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string text = *entry;
        const auto name = text.substr(0, text.find('='));
        if (options.environment.count(name) == 0) {
            result.push_back(text);
        }
    }
    for (const auto& [name, value] : options.environment) {
        if (value) {
            result.push_back(name + "=" + *value);
        }
    }
    return result;
}

// Starts argv with stdout/stderr on new pipes; everything is prepared before
// fork() so the child only calls async-signal-safe functions.
pid_t spawn(const std::vector<std::string>& argv, const ProcessOptions& options, Fd& out, Fd& err) {
    const auto environment = environment_for(options);
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& entry : environment) {
        envp.push_back(const_cast<char*>(entry.c_str()));
    }
    envp.push_back(nullptr);

    int out_pipe[2];
    int err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) < 0) {
        fail("pipe2");
    }
    Fd out_read(out_pipe[0]);
    Fd out_write(out_pipe[1]);
    if (pipe2(err_pipe, O_CLOEXEC) < 0) {
        fail("pipe2");
    }
    Fd err_read(err_pipe[0]);
    Fd err_write(err_pipe[1]);

    const pid_t pid = fork();
    if (pid < 0) {
        fail("fork");
    }
    if (pid == 0) {
        // Tests may block signals (e.g. a listener); the program must not inherit that.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        dup2(out_write.get(), STDOUT_FILENO);
        dup2(err_write.get(), STDERR_FILENO);
        execve(args[0], args.data(), envp.data());
        _exit(127);
    }
    out = std::move(out_read);
    err = std::move(err_read);
    return pid;
}

bool read_some(int fd, std::string& into) {
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) {
        into.append(buffer, static_cast<std::size_t>(n));
        return true;
    }
    return n < 0 && (errno == EINTR || errno == EAGAIN);
}

std::optional<std::string> read_line_from(int fd, std::string& buffer,
                                          std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        if (const auto end = buffer.find('\n'); end != std::string::npos) {
            std::string line = buffer.substr(0, end);
            buffer.erase(0, end + 1);
            return line;
        }
        pollfd entry{fd, POLLIN, 0};
        const int n = ::poll(&entry, 1, remaining_ms(deadline));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || !read_some(fd, buffer)) {
            return std::nullopt;
        }
    }
}

} // namespace

// With a pidfd: an event, no polling loop.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) {
        fail("pidfd_open");
    }
    if (detail::poll_readable(pidfd.get(), timeout) <= 0) {
        return std::nullopt;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fail("waitpid");
        }
    }
    return status;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    Fd out;
    Fd err;
    const pid_t pid = spawn(argv, options, out, err);
    const auto deadline = clock::now() + options.timeout;
    ProcessResult result;
    bool out_open = true;
    bool err_open = true;
    while (out_open || err_open) {
        pollfd entries[2] = {{out_open ? out.get() : -1, POLLIN, 0},
                             {err_open ? err.get() : -1, POLLIN, 0}};
        const int n = ::poll(entries, 2, remaining_ms(deadline));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        if (entries[0].revents != 0) {
            out_open = read_some(out.get(), result.out);
        }
        if (entries[1].revents != 0) {
            err_open = read_some(err.get(), result.err);
        }
    }
    const auto status = wait_for_exit(pid, std::chrono::milliseconds(remaining_ms(deadline)));
    if (!status) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw std::runtime_error("timed out: " + argv.front());
    }
    if (WIFEXITED(*status)) {
        result.exit_code = WEXITSTATUS(*status);
    } else if (WIFSIGNALED(*status)) {
        result.signal = WTERMSIG(*status);
    }
    return result;
}

RunningProcess::RunningProcess(const std::vector<std::string>& argv,
                               const ProcessOptions& options) {
    Fd out;
    Fd err;
    pid_ = spawn(argv, options, out, err);
    out_ = out.release();
    err_ = err.release();
}

RunningProcess::~RunningProcess() {
    if (!reaped_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
}

std::optional<std::string> RunningProcess::read_line(std::chrono::milliseconds timeout) {
    return read_line_from(out_, out_buffer_, timeout);
}

std::optional<std::string> RunningProcess::read_error_line(std::chrono::milliseconds timeout) {
    return read_line_from(err_, err_buffer_, timeout);
}

std::optional<int> RunningProcess::wait(std::chrono::milliseconds timeout) {
    if (!reaped_) {
        const auto status = wait_for_exit(pid_, timeout);
        if (!status) {
            return std::nullopt;
        }
        reaped_ = true;
        status_ = *status;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

void RunningProcess::kill(int signal_number) {
    if (!reaped_) {
        ::kill(pid_, signal_number);
    }
}

} // namespace nb::test
