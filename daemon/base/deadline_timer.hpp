#pragma once
// One timer armed for the core's next_deadline(): re-armed after every event,
// disarmed when the core has nothing pending, so an idle broker has no wake-ups
// at all. A timerfd on CLOCK_MONOTONIC (the clock of std::chrono::steady_clock
// and of the core's deadlines) with an absolute expiry, polled on the loop: it
// fires at the deadline to the microsecond, never early, where a libuv timer
// counts whole milliseconds of a coarse loop clock and had to be padded by 1 ms.
// Thread-safety: the loop thread only.

#include "base/unique_fd.hpp"
#include "base/uv_handle.hpp"

#include <chrono>
#include <functional>
#include <optional>

namespace nb::daemon {

class DeadlineTimer {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    /// Throws std::runtime_error if the timerfd or its libuv poll cannot be made.
    DeadlineTimer(uv_loop_t* loop, std::function<void()> on_expiry);

    /// Fires on_expiry at `deadline` (at once if it has passed); empty: never.
    void arm(std::optional<TimePoint> deadline) noexcept;
    void close() noexcept { poll_.close(); }

    [[nodiscard]] std::optional<TimePoint> armed_for() const noexcept { return armed_for_; }

private:
    static void on_readable(uv_poll_t* handle, int status, int events) noexcept;

    UniqueFd timerfd_; // declared before poll_: closed after it
    UvHandle<uv_poll_t> poll_;
    std::function<void()> on_expiry_;
    std::optional<TimePoint> armed_for_;
};

} // namespace nb::daemon
