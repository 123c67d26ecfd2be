#pragma once
// Child processes for the benchmarks: exec'd programs (the broker, the CLIs)
// and forked helpers running a function, each with one owner that kills and
// reaps it. Plus what /proc says about a pid.
// Throws std::runtime_error when fork/exec setup fails.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::bench {

struct ExecSpec {
    std::vector<std::string> argv;
    /// Added to (or replacing in) the driver's environment; "NAME" alone unsets.
    std::vector<std::string> env;
    std::string output_path; ///< stdout+stderr go here; empty: /dev/null
    long nofile_soft = 0;    ///< RLIMIT_NOFILE soft limit for the child; 0: inherit
};

class Child {
public:
    Child() = default;
    /// fork + exec. Returns once the exec succeeded (or throws if it failed).
    static Child exec(const ExecSpec& spec);
    /// fork + run body in the child, _exit with what it returns.
    static Child fork(const std::function<int()>& body);

    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    /// SIGKILL + reap if still running.
    ~Child();

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    void signal(int signum) const noexcept;
    /// Exit code (128+signal when killed); nothing on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);

private:
    explicit Child(pid_t pid) noexcept : pid_(pid) {}
    pid_t pid_ = -1;
};

/// VmRSS of pid in KiB (-1 if unreadable).
[[nodiscard]] long rss_kib(pid_t pid);
/// Sum of voluntary_ctxt_switches over pid's threads (-1 if unreadable).
[[nodiscard]] long voluntary_switches(pid_t pid);
/// CPU time of pid's threads in ns (schedstat), -1 if unreadable.
[[nodiscard]] std::int64_t cpu_ns(pid_t pid);

} // namespace nb::bench
