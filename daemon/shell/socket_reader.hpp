#pragma once
// Polls the worker socket on the loop and hands each batch of datagrams to a
// handler. One batch per wake-up: the poll is level-triggered, so a flood is
// read in batches interleaved with timers and signals instead of starving them.
// Thread-safety: the loop thread only.

#include "base/rate_limited_log.hpp"
#include "base/uv_handle.hpp"
#include "shell/datagram_batch.hpp"

#include <functional>
#include <span>

namespace nb::daemon {

class SocketReader {
public:
    using BatchHandler = std::function<void(std::span<ReceivedDatagram>)>;

    /// Throws std::bad_alloc (buffers).
    SocketReader(uv_loop_t* loop, int socket_fd, BatchHandler handler);

    /// Starts polling. Throws std::runtime_error if libuv refuses the fd.
    void start();
    /// Reads what is queued now, batch after batch, until the socket is empty
    /// (at most max_batches): the last words of workers before we exit.
    void drain(int max_batches = 64) noexcept;
    /// Stops reading and closes the poll handle (not the socket). Idempotent.
    void close() noexcept { poll_.close(); }

private:
    static void on_readable(uv_poll_t* handle, int status, int events) noexcept;
    /// One recvmmsg batch to the handler; the number of datagrams (0: none, <0: -errno).
    int read_batch() noexcept;

    uv_loop_t* loop_;
    int socket_fd_;
    BatchHandler handler_;
    DatagramBatch batch_;
    UvHandle<uv_poll_t> poll_;
    RateLimitedLog error_log_{5, std::chrono::milliseconds(10'000)};
};

} // namespace nb::daemon
