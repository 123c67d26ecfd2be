#pragma once
// The one path to the real $NOTIFY_SOCKET. Read once at start-up and removed
// from the environment, so that children never talk to systemd behind the
// broker's back (spawned workers get the broker's own socket instead). Without
// NOTIFY_SOCKET every message is logged instead of sent (the laptop demo).
// Thread-safety: the loop thread only.

#include "base/rate_limited_log.hpp"

#include <nb/client/notifier.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace nb::daemon {

class Upstream {
public:
    /// Reads NOTIFY_SOCKET and unsets it. Never fails: a malformed address is
    /// reported by the first send().
    static Upstream from_environment();
    /// address as NOTIFY_SOCKET; empty = log instead of sending.
    explicit Upstream(std::string address);

    /// Sends one payload ("READY=1\nSTATUS=..."); a failure is logged
    /// (rate-limited) and otherwise ignored: systemd may simply be gone. Never throws.
    void send(std::string_view payload) noexcept;

    [[nodiscard]] bool has_socket() const noexcept { return !address_.empty(); }
    /// False when NOTIFY_SOCKET is set but malformed (every send will fail).
    [[nodiscard]] bool address_valid() const { return !has_socket() || notifier_.available(); }
    [[nodiscard]] const std::string& address() const noexcept { return address_; }
    [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }
    [[nodiscard]] std::uint64_t failed() const noexcept { return failed_; }

private:
    std::string address_;
    client::Notifier notifier_;
    RateLimitedLog failure_log_{5, std::chrono::milliseconds(10'000)};
    std::uint64_t sent_ = 0;
    std::uint64_t failed_ = 0;
};

} // namespace nb::daemon
