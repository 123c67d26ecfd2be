#pragma once
// The target of the probe benchmark: a TCP listener on 127.0.0.1 (an
// ephemeral port) served by a thread of its own, in the driver, so that what
// the broker spends is what is measured and the server costs it nothing.
// Mode tcp: accept and close (what a tcp probe needs). Mode http: read the
// request head, answer "200 OK" with a two-byte body and Connection: close.
// It counts the connections it served: the probe runs that reached it.
// Throws std::runtime_error when the socket cannot be set up.

#include "unique_fd.hpp"

#include <atomic>
#include <cstdint>
#include <thread>

namespace nb::bench {

class LoopbackServer {
public:
    enum class Mode { tcp, http };

    explicit LoopbackServer(Mode mode);
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    [[nodiscard]] int port() const noexcept { return port_; }
    /// Connections served so far (an http one once its answer was written).
    [[nodiscard]] std::uint64_t served() const noexcept { return served_.load(); }

private:
    void serve() noexcept;
    void answer(int connection) noexcept;

    Mode mode_;
    UniqueFd listener_;
    UniqueFd stop_read_, stop_write_; ///< a pipe that wakes the thread to end it
    int port_ = 0;
    std::atomic<std::uint64_t> served_{0};
    std::thread thread_;
};

} // namespace nb::bench
