#pragma once
// The broker's non-blocking datagram socket to an AF_UNIX $NOTIFY_SOCKET.
// Connected, unlike libsystemd's sendto(): only a connected AF_UNIX datagram
// socket polls writable when the receiver's queue has room again (an
// unconnected one is always "writable" and would make UV_WRITABLE spin), and
// a receiver that went away (PID 1 re-executing) shows as ECONNREFUSED, after
// which the socket is connected anew.
// Thread-safety: the loop thread only.

#include "base/unique_fd.hpp"

#include <nb/proto/notify_address.hpp>

#include <string_view>

namespace nb::daemon {

class UpstreamSocket {
public:
    /// Opens a socket and connects it to address (kind != vsock). 0 or an errno
    /// value (ENOENT, ECONNREFUSED: nobody listens there yet).
    int connect(const proto::NotifyAddress& address) noexcept;
    /// Sends one datagram without waiting (MSG_DONTWAIT), with fd (SCM_RIGHTS)
    /// unless it is -1. 0 or an errno value; EAGAIN: the receiver's queue is
    /// full, wait for fd() to poll writable. The caller keeps owning fd.
    [[nodiscard]] int send(std::string_view datagram, int fd = -1) const noexcept;
    void close() noexcept { fd_.reset(); }

    [[nodiscard]] bool is_open() const noexcept { return fd_.valid(); }
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
};

} // namespace nb::daemon
