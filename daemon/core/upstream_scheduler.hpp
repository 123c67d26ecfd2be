#pragma once
// Decides what goes to systemd and when, and serializes it with proto::serialize.
// Lifecycle keys (READY, RELOADING, STOPPING) go at once, each state change in
// its own datagram and in the order they happened: within one datagram systemd
// (253+) lets STOPPING beat READY beat RELOADING, so a READY=1 sharing a
// datagram with RELOADING=1 would swallow the reload. What is not a state
// change (STATUS, EXTEND_TIMEOUT_USEC, WATCHDOG) rides along with the last of
// them, which systemd applies independently of the state; otherwise STATUS and
// EXTEND_TIMEOUT_USEC pass the StatusThrottle, and WATCHDOG=1 is paced at half
// the broker's own watchdog interval. After STOPPING=1 only STATUS may follow.
// Thread-safety: none; the broker's thread only.

#include "core/broker.hpp"
#include "core/status_throttle.hpp"

#include <nb/proto/message.hpp>

#include <array>
#include <chrono>
#include <cstddef>
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

    /// Builds the datagrams of what is due: one per queued state change (the
    /// last one carrying STATUS/EXTEND_TIMEOUT_USEC/WATCHDOG), or one of those alone. `healthy`:
    /// every required worker alive and in time, so WATCHDOG=1 may go. Returns true when a STATUS
    /// went out.
    bool flush(TimePoint now, const std::function<std::string()>& compose_status, bool healthy);
    /// The next time flush() has something to do; empty when nothing is pending.
    [[nodiscard]] std::optional<TimePoint> next_deadline(bool healthy) const noexcept;
    [[nodiscard]] std::vector<std::string> take_outbox() noexcept;

    [[nodiscard]] bool ready_sent() const noexcept { return ready_sent_; }
    [[nodiscard]] bool stopped() const noexcept { return stopped_; }
    [[nodiscard]] bool watchdog_enabled() const noexcept { return half_watchdog_.count() > 0; }

private:
    /// A state change waiting for the next flush.
    struct Change {
        enum class Kind { ready, reloading, stopping } kind = Kind::ready;
        TimePoint at{}; ///< reloading: MONOTONIC_USEC
    };
    /// More than three changes between two flushes never happen (the broker
    /// flushes after every event); if they did, the oldest are dropped.
    static constexpr std::size_t max_changes = 3;

    void queue(Change change) noexcept;
    /// The keys of one state change; READY marks ready_sent().
    void append(std::vector<proto::Assignment>& out, const Change& change);

    StatusThrottle throttle_;
    std::chrono::microseconds half_watchdog_;
    std::optional<TimePoint> ping_due_;
    std::array<Change, max_changes> changes_{};
    std::size_t change_count_ = 0;
    std::chrono::microseconds extend_{0};
    std::string last_status_;
    bool status_ever_sent_ = false;
    bool ready_sent_ = false;
    bool stopped_ = false;
    bool trigger_queued_ = false;
    bool trigger_armed_ = true;
    std::vector<std::string> outbox_;
};

} // namespace nb::core
