#pragma once
// The one path to the real $NOTIFY_SOCKET. Read once at start-up and removed
// from the environment, so that children never talk to systemd behind the
// broker's back (spawned workers get the broker's own socket instead). Without
// NOTIFY_SOCKET every message is logged instead of sent (the laptop demo).
//
// Never blocks the loop: datagrams go through a core::UpstreamQueue (state
// changes kept in order, only the newest STATUS/EXTEND_TIMEOUT_USEC/WATCHDOG)
// and a non-blocking connected socket (shell/upstream_socket.hpp). A full
// receiver queue (EAGAIN: PID 1 busy in a daemon-reload) waits for UV_WRITABLE;
// a missing receiver (ENOENT, ECONNREFUSED: PID 1 re-executing) is retried on
// a timer with backoff, so a READY=1 sent meanwhile is delivered, not lost.
// A vsock address (vsock:CID:PORT, a broker inside a VM) goes the same way
// through shell/vsock_transfer.hpp: sd_notify()'s socket types and its one
// connection per message, each step non-blocking on the same poll handle.
//
// The fd store (shell/state_store.hpp) shares the socket: its FDSTORE=1 /
// FDSTOREREMOVE=1 datagrams wait in a core::FdStoreQueue of their own (each
// with its dup'd fd, closed once sent, replaced, refused or at close()) and go
// after the datagrams above, in their order, on the same UV_WRITABLE.
// Thread-safety: the loop thread only.

#include "base/unique_fd.hpp"
#include "core/fd_store_queue.hpp"

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace nb::daemon {

using FdStoreQueue = core::FdStoreQueue<UniqueFd>;

class Upstream {
public:
    /// Reads NOTIFY_SOCKET and unsets it. Never fails: a malformed address is
    /// reported by the first send().
    static Upstream from_environment();
    /// address as NOTIFY_SOCKET; empty = log instead of sending.
    explicit Upstream(std::string address);
    ~Upstream();
    Upstream(Upstream&&) noexcept;
    Upstream& operator=(Upstream&&) noexcept;
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

    /// From now on, waits for writability and retries on loop. Before it, what
    /// cannot go at once stays queued until the next send(). Never throws.
    void attach(uv_loop_t* loop) noexcept;
    /// Queues one payload ("READY=1\nSTATUS=...") and sends what the socket
    /// takes now; a failure is logged (rate-limited). Never throws.
    void send(std::string_view payload) noexcept;
    /// The fd store's queue: push entries, then call send_fd_store().
    [[nodiscard]] FdStoreQueue& fd_store() noexcept;
    [[nodiscard]] const FdStoreQueue& fd_store() const noexcept;
    /// Sends what the socket takes now of the fd store's queue (unless already
    /// waiting for the socket). Never throws.
    void send_fd_store() noexcept;
    /// True if fds can go upstream: an AF_UNIX NOTIFY_SOCKET (not vsock, not
    /// malformed, not unset).
    [[nodiscard]] bool can_pass_fds() const noexcept;

    /// At exit: waits up to one second for the socket to take what is still
    /// queued (the loop has nothing left to serve), then closes the handles.
    void close() noexcept;

    [[nodiscard]] bool has_socket() const noexcept;
    /// False when NOTIFY_SOCKET is set but malformed (every send will fail).
    [[nodiscard]] bool address_valid() const noexcept;
    [[nodiscard]] const std::string& address() const noexcept;
    [[nodiscard]] std::uint64_t sent() const noexcept;
    [[nodiscard]] std::uint64_t failed() const noexcept;
    /// Datagrams waiting for the socket (the fd store's not counted).
    [[nodiscard]] std::size_t queued() const noexcept;

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace nb::daemon
