#pragma once
// At most one STATUS (and EXTEND_TIMEOUT_USEC) datagram per interval, with a
// trailing flush: a change inside the interval is held back and sent when it
// ends, so the last word always reaches systemd and a flood of changes costs it
// one datagram per interval. Thread-safety: none; the broker's thread only.

#include "core/broker.hpp"
#include "core/saturating_time.hpp"

#include <chrono>
#include <optional>

namespace nb::core {

class StatusThrottle {
public:
    explicit StatusThrottle(std::chrono::milliseconds interval) : interval_(interval) {}
    void set_interval(std::chrono::milliseconds interval) noexcept { interval_ = interval; }

    /// Something may have changed; the next flush should look.
    void mark_pending() noexcept { pending_ = true; }
    [[nodiscard]] bool pending() const noexcept { return pending_; }
    /// The interval since the last send has passed (or nothing was sent yet).
    [[nodiscard]] bool may_send(TimePoint now) const noexcept {
        return !last_sent_ || now >= saturating_add(*last_sent_, interval_);
    }
    /// A datagram went out: the interval restarts.
    void sent(TimePoint now) noexcept {
        last_sent_ = now;
        pending_ = false;
    }
    /// Looked, and nothing had really changed: no datagram, no new interval.
    void settled() noexcept { pending_ = false; }
    /// When the held-back change is due; empty when nothing is held back.
    [[nodiscard]] std::optional<TimePoint> deadline() const noexcept {
        if (!pending_) {
            return std::nullopt;
        }
        return last_sent_ ? saturating_add(*last_sent_, interval_) : TimePoint{};
    }

private:
    std::chrono::milliseconds interval_;
    std::optional<TimePoint> last_sent_;
    bool pending_ = false;
};

} // namespace nb::core
