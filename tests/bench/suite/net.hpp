#pragma once
// Datagram sockets as the benchmarks need them: a receiver bound like the
// broker's (SO_PASSCRED), a connected sender, BARRIER=1 round trips, and an
// upstream receiver that timestamps what systemd would get.
// Errors: functions returning UniqueFd or bool report failure by value; those
// that cannot go on throw std::runtime_error naming the call and errno.

#include "unique_fd.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace nb::bench {

using Clock = std::chrono::steady_clock;

/// Nanoseconds on CLOCK_MONOTONIC.
[[nodiscard]] std::int64_t now_ns() noexcept;

/// Throws std::runtime_error "what: strerror(errno)".
[[noreturn]] void fail_errno(const std::string& what);

struct ReceiverOptions {
    bool passcred = true;
    bool passpidfd = false;
    int receive_buffer = 4 * 1024 * 1024; ///< as the broker's default
    bool nonblocking = true;
};

/// socket + bind on an absolute path (unlinked first). Throws std::runtime_error.
[[nodiscard]] UniqueFd bind_datagram(const std::string& path, const ReceiverOptions& options);
/// socket + connect. Throws std::runtime_error.
[[nodiscard]] UniqueFd connect_datagram(const std::string& path);
/// True if a datagram socket can connect to path right now.
[[nodiscard]] bool can_connect(const std::string& path) noexcept;

/// Blocking send of one datagram; false on error.
bool send_text(int fd, std::string_view text) noexcept;
/// BARRIER=1 with a pipe's write end, then waits for the receiver to close it.
bool send_barrier(int fd, std::chrono::milliseconds timeout) noexcept;

struct Received {
    std::string text;
    std::int64_t at_ns = 0; ///< when recv() returned
};

/// The systemd side: a bound socket read continuously on a thread of its own,
/// as PID 1 reads its notify socket. A receiver read only on demand would let
/// the broker block in send() once the kernel's queue limit is reached
/// (net.unix.max_dgram_qlen: 10 on a fresh machine), and a benchmark would
/// then measure its own harness. Each datagram keeps the time recv() returned.
/// Thread-safety: receive, wait_for_line and drain from one thread.
class UpstreamReceiver {
public:
    /// Binds path and starts reading. Throws std::runtime_error.
    explicit UpstreamReceiver(std::string path);
    ~UpstreamReceiver();
    UpstreamReceiver(const UpstreamReceiver&) = delete;
    UpstreamReceiver& operator=(const UpstreamReceiver&) = delete;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// The next datagram, or nothing when timeout passes first.
    std::optional<Received> receive(std::chrono::milliseconds timeout);
    /// Reads until a datagram has a line starting with `prefix`; nothing on timeout.
    std::optional<Received> wait_for_line(std::string_view prefix,
                                          std::chrono::milliseconds timeout);
    /// Drops whatever has arrived until now.
    void drain() noexcept;

private:
    void read_until_stopped() noexcept;

    std::string path_;
    UniqueFd fd_;
    UniqueFd stop_read_, stop_write_; ///< a pipe that wakes the reader to end it
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<Received> queue_;
    std::string error_; ///< the reader's recv() failure, reported by receive()
    std::thread reader_;
};

/// True if text has a line starting with prefix.
[[nodiscard]] bool has_line(std::string_view text, std::string_view prefix) noexcept;

} // namespace nb::bench
