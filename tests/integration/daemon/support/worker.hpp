#pragma once
// Worker processes for the broker: forked children that send sd_notify messages
// (our client library, each followed by a barrier so the broker has applied
// them when the child goes on) and then stay alive until the test closes their
// stdin, so the broker sees a live pool.

#include <nb/test/child_process.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace nb::test {

class Worker {
public:
    Worker(ChildProcess process, int done_fd) : process_(std::move(process)), done_fd_(done_fd) {}
    Worker(Worker&& other) noexcept;
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    Worker& operator=(Worker&&) = delete;
    ~Worker();

    [[nodiscard]] pid_t pid() const noexcept { return process_.pid(); }
    /// True once every message and barrier has been sent and answered (false
    /// on failure or timeout).
    bool wait_sent(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Lets the worker exit.
    void close_stdin() { process_.close_stdin(); }
    int wait_exit_code(std::chrono::milliseconds timeout) {
        return process_.wait_exit_code(timeout);
    }

private:
    ChildProcess process_;
    int done_fd_ = -1;
};

/// Forks a worker that runs `setup` (if any; false: exit 3), sends each of
/// `messages` to socket_path with a barrier after each, reports that
/// (Worker::wait_sent), then holds until its stdin is closed. Exit code 0 when
/// every send and barrier worked, 1 otherwise.
Worker start_worker(const std::string& socket_path, std::vector<std::string> messages,
                    const std::function<bool()>& setup = {});

/// Sends `messages` from this process, each followed by a barrier (5 s).
/// Returns false if one of them failed.
bool send_with_barrier(const std::string& socket_path, const std::vector<std::string>& messages);

/// A barrier from this process: returns once the broker has processed every
/// datagram queued before it. False on timeout.
bool barrier(const std::string& socket_path);

} // namespace nb::test
