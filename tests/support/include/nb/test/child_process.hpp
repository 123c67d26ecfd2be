#pragma once
// A child process of the test: an exec'd program or a forked function. Its end
// is awaited through a pidfd with poll() and a timeout, never with sleeps.
// The destructor kills (SIGKILL) and reaps a child that is still running.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace nb::test {

struct SpawnOptions {
    /// Set (or, with an empty optional, unset) in the child's environment.
    std::map<std::string, std::optional<std::string>> env;
    /// Give the child a pipe as stdin; closing it (close_stdin) tells it to finish.
    bool stdin_pipe = false;
    /// stdout/stderr to this file (appended); empty: inherited.
    std::string output_file;
    /// Passed to the child as fd 3 with LISTEN_FDS=1 and LISTEN_PID=its pid.
    int listen_fd = -1;
    /// Instead of listen_fd: several fds at 3, 4, ... with LISTEN_FDNAMES (as
    /// systemd passes a socket plus its fd store's entries after a restart).
    std::vector<std::pair<std::string, int>> named_listen_fds;
};

class ChildProcess {
public:
    /// fork + execv(argv[0], argv). Throws std::runtime_error if fork fails; an
    /// exec failure makes the child exit 127.
    static ChildProcess spawn(const std::vector<std::string>& argv,
                              const SpawnOptions& options = {});
    /// fork + run fn in the child, exiting with its return value.
    static ChildProcess fork(const std::function<int()>& fn, const SpawnOptions& options = {});

    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&&) = delete;
    ChildProcess(const ChildProcess&) = delete;
    ~ChildProcess();

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    void signal(int signum) const;
    void close_stdin();
    /// The wait status once the child has exited within timeout; nothing otherwise.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    /// exit code if it exited normally within timeout, else -1 (killed: -signal).
    int wait_exit_code(std::chrono::milliseconds timeout);

private:
    ChildProcess() = default;
    static ChildProcess start(const std::function<void()>& in_child, const SpawnOptions& options);

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int stdin_fd_ = -1;
    bool reaped_ = false;
};

} // namespace nb::test
