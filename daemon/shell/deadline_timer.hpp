#pragma once
// One libuv timer armed for the core's next_deadline(): re-armed after every
// event, stopped when the core has nothing pending, so an idle broker has no
// wake-ups at all.
// Thread-safety: the loop thread only.

#include "uv_handle.hpp"

#include <chrono>
#include <functional>
#include <optional>

namespace nb::daemon {

class DeadlineTimer {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    /// Throws std::runtime_error if libuv cannot create the timer.
    DeadlineTimer(uv_loop_t* loop, std::function<void()> on_expiry);

    /// Fires on_expiry at `deadline` (at once if it has passed); empty: never.
    void arm(std::optional<TimePoint> deadline) noexcept;
    void close() noexcept { timer_.close(); }

    [[nodiscard]] std::optional<TimePoint> armed_for() const noexcept { return armed_for_; }

private:
    static void on_timer(uv_timer_t* handle) noexcept;

    UvHandle<uv_timer_t> timer_;
    std::function<void()> on_expiry_;
    std::optional<TimePoint> armed_for_;
};

} // namespace nb::daemon
