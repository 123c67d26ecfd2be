#pragma once
// Decides what goes to systemd and when, and serializes it with proto::serialize:
// at most one datagram per flush. Lifecycle keys (READY, RELOADING, STOPPING)
// go at once and carry the current STATUS along; STATUS and EXTEND_TIMEOUT_USEC
// otherwise pass the StatusThrottle; WATCHDOG=1 is paced at half the broker's
// own watchdog interval. After STOPPING=1 only STATUS may follow.
// Thread-safety: none; the broker's thread only.

#include "core/broker.hpp"
#include "core/status_throttle.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nb::core {

class UpstreamScheduler {
public:
    UpstreamScheduler(std::chrono::milliseconds status_interval,
                      std::chrono::microseconds broker_watchdog);
    void set_status_interval(std::chrono::milliseconds interval) noexcept;

    /// READY=1 now, and a watchdog ping right after it. Ignored after stopping().
    void ready(TimePoint now) noexcept;
    /// RELOADING=1 with MONOTONIC_USEC=now. Ignored after stopping().
    void reloading(TimePoint now) noexcept;
    /// STOPPING=1: final.
    void stopping() noexcept;
    /// WATCHDOG=trigger, once per unhealthy spell (re-armed by a healthy flush).
    void trigger() noexcept;
    /// EXTEND_TIMEOUT_USEC (the largest asked for since the last send), throttled.
    void extend(std::chrono::microseconds by) noexcept;
    /// The STATUS may have changed: compose and compare at the next allowed flush.
    void status_changed() noexcept { throttle_.mark_pending(); }

    /// Builds at most one datagram from what is due. `healthy`: every required
    /// worker alive and in time, so WATCHDOG=1 may go. Returns true when a
    /// STATUS went out.
    bool flush(TimePoint now, const std::function<std::string()>& compose_status, bool healthy);
    /// The next time flush() has something to do; empty when nothing is pending.
    [[nodiscard]] std::optional<TimePoint> next_deadline(bool healthy) const noexcept;
    [[nodiscard]] std::vector<std::string> take_outbox() noexcept;

    [[nodiscard]] bool ready_sent() const noexcept { return ready_sent_; }
    [[nodiscard]] bool stopped() const noexcept { return stopped_; }
    [[nodiscard]] bool watchdog_enabled() const noexcept { return half_watchdog_.count() > 0; }

private:
    StatusThrottle throttle_;
    std::chrono::microseconds half_watchdog_;
    std::optional<TimePoint> ping_due_;
    std::optional<TimePoint> reloading_at_;
    std::chrono::microseconds extend_{0};
    std::string last_status_;
    bool status_ever_sent_ = false;
    bool ready_queued_ = false;
    bool ready_sent_ = false;
    bool stopping_queued_ = false;
    bool stopped_ = false;
    bool trigger_queued_ = false;
    bool trigger_armed_ = true;
    std::vector<std::string> outbox_;
};

} // namespace nb::core
