#pragma once
// One notification to a vsock NOTIFY_SOCKET (a broker inside a VM reporting to
// its host's manager), without ever blocking the loop, sent as systemd's own
// sd_notify() sends it (src/libsystemd/sd-daemon/sd-daemon.c):
//  - a socket of the address's type; without one ("vsock:CID:PORT") DGRAM,
//    then SEQPACKET, then STREAM where the kernel has no vsock datagrams
//    (QEMU's transport, vsock_loopback);
//  - bound to the highest free port below 1024 if it may (a host may trust
//    only those), any port otherwise;
//  - DGRAM: one datagram. SEQPACKET and STREAM: a connection per message, the
//    text, shutdown(SHUT_WR) to say "that is all", then the peer's EOF (the
//    receiver reads to EOF, so one connection never carries two messages).
// Every step that would wait returns Status::waiting with the fd and the
// events to poll for; step() goes on once they came. No fds pass over vsock.
// Thread-safety: none; the loop thread only.

#include "base/unique_fd.hpp"

#include <nb/proto/notify_address.hpp>

#include <cstddef>
#include <string>

namespace nb::daemon {

class VsockTransfer {
public:
    enum class Status { done, waiting, failed };

    /// Starts sending text to address (kind vsock). Drops a transfer in flight.
    Status start(const proto::NotifyAddress& address, std::string text) noexcept;
    /// Goes on after fd() polled for wants_write() ? writable : readable.
    Status step() noexcept;
    /// Closes the socket of the transfer in flight, if any.
    void reset() noexcept;

    [[nodiscard]] bool in_flight() const noexcept { return fd_.valid(); }
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    [[nodiscard]] bool wants_write() const noexcept { return phase_ != Phase::draining; }
    /// Why the last start()/step() failed (an errno value).
    [[nodiscard]] int error() const noexcept { return error_; }

private:
    enum class Phase { connecting, sending, draining };

    Status open(const proto::NotifyAddress& address) noexcept;
    Status send_text() noexcept;
    Status drain() noexcept;
    Status fail(int error) noexcept;

    UniqueFd fd_;
    int type_ = 0;          ///< of the socket in flight
    int resolved_type_ = 0; ///< what "vsock:" turned out to mean here (0: not yet)
    Phase phase_ = Phase::connecting;
    std::string text_;
    std::size_t sent_ = 0;
    int error_ = 0;
};

} // namespace nb::daemon
