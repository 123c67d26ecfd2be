#pragma once
// Runs real programs in tests: argv, environment changes, captured output,
// exit code. Uses fork/exec and poll, never sleeps. Thread-safety: each call
// is independent (safe from several threads).

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::test {

struct ProcessResult {
    int exit_code = -1; ///< -1 if killed by a signal (see signal)
    int signal = 0;
    std::string out;
    std::string err;
};

struct ProcessOptions {
    /// Variables to set (value) or unset (nullopt) on top of our environment.
    std::map<std::string, std::optional<std::string>> environment;
    std::chrono::milliseconds timeout = std::chrono::seconds(30); ///< then SIGKILL
};

/// Waits up to timeout for a child of this process to exit, and reaps it: its
/// wait status, or nothing on timeout (the child is left running). Throws
/// std::system_error if pid is not a process of ours.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

/// Runs argv[0] (a path) to completion. Throws std::system_error if it cannot
/// be started, std::runtime_error if it times out (after killing it).
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// A started process whose stdout is read line by line (for long-running
/// programs like `notify-broker listen`). The destructor kills and reaps it.
class RunningProcess {
public:
    RunningProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
    RunningProcess(const RunningProcess&) = delete;
    RunningProcess& operator=(const RunningProcess&) = delete;
    ~RunningProcess();

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    /// The next stdout line (without '\n'), or nullopt on EOF/timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    /// The next stderr line, or nullopt on EOF/timeout.
    std::optional<std::string> read_error_line(std::chrono::milliseconds timeout);
    /// Waits for exit; returns the exit code (-1 on a signal, nullopt on timeout).
    std::optional<int> wait(std::chrono::milliseconds timeout);
    void kill(int signal_number);

private:
    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    std::string out_buffer_;
    std::string err_buffer_;
    bool reaped_ = false;
    int status_ = 0;
};

} // namespace nb::test
