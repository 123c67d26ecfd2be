#pragma once
// Closes fds on a thread of its own, because close() can hang: the last close
// of a FUSE file whose server never answers FLUSH, of a TCP socket with
// SO_LINGER and unsent data, of a tty draining its output. Fds that outsiders
// send us (SCM_RIGHTS) and whose close may hang (base/close_may_block.hpp) go
// here, so one of them cannot stop the loop (and with it the watchdog).
// Closes in the order handed over.
// Bounded: past `capacity` fds waiting (the thread stuck in a close), the fd is
// closed by the caller after all, and counted.
// Thread-safety: close_later() and the counters from one thread (the loop);
// the closing runs on the owned thread, joined by the destructor (which waits
// at most one second for a stuck close, then leaves the thread to the exit).

#include "base/unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

namespace nb::daemon {

class FdCloser {
public:
    static constexpr std::size_t default_capacity = 8192;

    /// Starts the thread. If it cannot be started, every fd is closed inline.
    explicit FdCloser(std::size_t capacity = default_capacity);
    ~FdCloser();
    FdCloser(const FdCloser&) = delete;
    FdCloser& operator=(const FdCloser&) = delete;

    /// Hands fd to the thread to close; false (fd closed here, now) when the
    /// queue is full or there is no thread. Never throws.
    bool close_later(UniqueFd fd) noexcept;

    /// Fds handed over and not closed yet.
    [[nodiscard]] std::size_t pending() const noexcept;
    /// Fds the thread has closed.
    [[nodiscard]] std::uint64_t closed() const noexcept;
    /// Fds closed inline because the queue was full.
    [[nodiscard]] std::uint64_t overflowed() const noexcept { return overflowed_; }
    /// The closing thread's id (tests check that closes happen there).
    [[nodiscard]] std::thread::id thread_id() const noexcept;

private:
    struct Shared;
    std::shared_ptr<Shared> shared_; ///< also held by the thread, which may outlive us
    std::thread thread_;
    std::uint64_t overflowed_ = 0;
};

} // namespace nb::daemon
