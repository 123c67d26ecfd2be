#pragma once
// A real client process (busctl, the notify-broker CLI, ...) run on the test's
// libuv loop, so the broker under test keeps serving while it runs. Captures
// stdout and stderr; exited() turns true when the process and its pipes are done.
// Thread-safety: the loop thread only. (nb::test::ChildProcess in tests/support
// waits by blocking the test thread in poll(), which would stop the broker
// under test that runs on the same loop.)

#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nb::test {

class LoopProcess {
public:
    /// Spawns argv[0] (searched in PATH) with our environment plus `env`
    /// ("KEY=VALUE"). Returns the libuv error, 0 on success.
    int spawn(uv_loop_t* loop, std::vector<std::string> argv, std::vector<std::string> env = {});
    /// Closes the stdout pipe early (for processes that never end by themselves);
    /// call after kill().
    void kill(int signum);

    [[nodiscard]] int pid() const noexcept { return process_.pid; }
    [[nodiscard]] bool exited() const noexcept { return exited_ && open_pipes_ == 0; }
    [[nodiscard]] std::int64_t exit_status() const noexcept { return exit_status_; }
    [[nodiscard]] int term_signal() const noexcept { return term_signal_; }
    [[nodiscard]] const std::string& out() const noexcept { return out_; }
    [[nodiscard]] const std::string& err() const noexcept { return err_; }

    LoopProcess() = default;
    LoopProcess(const LoopProcess&) = delete;
    LoopProcess& operator=(const LoopProcess&) = delete;
    /// The process must have exited (the handles live in this object).
    ~LoopProcess() = default;

private:
    struct Pipe {
        uv_pipe_t handle{};
        std::string* sink = nullptr;
        LoopProcess* owner = nullptr;
    };

    uv_process_t process_{};
    Pipe stdout_;
    Pipe stderr_;
    std::string out_;
    std::string err_;
    bool exited_ = false;
    int open_pipes_ = 0;
    std::int64_t exit_status_ = -1;
    int term_signal_ = 0;
};

} // namespace nb::test
