#pragma once
// Many workers as real processes (the broker tells workers apart by pid): each
// forked child connects, sends its hello, and then waits; on "go" it sends one
// round of datagrams, reports, and holds until the pool is destroyed, so it
// stays registered with the broker (its pidfd stays quiet).
// Thread-safety: one thread. Throws std::runtime_error when fork or pipe fail.

#include "unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::bench {

struct PoolSpec {
    std::string socket_path;
    std::size_t workers = 1;
    /// The first datagram of worker i (e.g. "X_WORKER=s-7\nREADY=1").
    std::function<std::string(std::size_t)> hello;
    /// Datagrams each worker sends on go(), and what they say.
    std::size_t round = 0;
    std::string round_text = "WATCHDOG=1";
    /// Only workers 0..active-1 take part in the round; the others stay idle
    /// (registered, silent), so traffic and pool size can be varied apart.
    std::size_t active = static_cast<std::size_t>(-1);
    /// Each worker ends its round with a BARRIER=1 of its own.
    bool barrier_after_round = false;
};

class WorkerPool {
public:
    /// Forks every worker and waits until each has sent its hello.
    explicit WorkerPool(const PoolSpec& spec);
    /// Releases and reaps every worker.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Starts every worker's round; returns when all have sent it. False if a
    /// worker failed or timeout passed.
    bool go(std::chrono::milliseconds timeout);
    [[nodiscard]] const std::vector<pid_t>& pids() const noexcept { return pids_; }

private:
    bool read_bytes(int fd, std::size_t count, std::chrono::milliseconds timeout);

    std::size_t workers_ = 0;
    std::size_t active_ = 0;
    UniqueFd hello_read_, go_write_, done_read_, hold_write_;
    std::vector<pid_t> pids_;
};

} // namespace nb::bench
