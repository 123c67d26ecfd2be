#include "deadline_timer.hpp"

#include "logger.hpp"

#include <stdexcept>
#include <string>

namespace nb::daemon {

DeadlineTimer::DeadlineTimer(uv_loop_t* loop, std::function<void()> on_expiry)
    : on_expiry_(std::move(on_expiry)) {
    if (const int rc = timer_.init(uv_timer_init, loop, this); rc != 0) {
        throw std::runtime_error(std::string("uv_timer_init: ") + uv_strerror(rc));
    }
}

void DeadlineTimer::arm(std::optional<TimePoint> deadline) noexcept {
    if (!timer_ || deadline == armed_for_) {
        return;
    }
    armed_for_ = deadline;
    if (!deadline) {
        uv_timer_stop(timer_.get());
        return;
    }
    // libuv counts from its cached loop time; refresh it so the timer is not early.
    uv_update_time(timer_.get()->loop);
    const auto remaining = *deadline - std::chrono::steady_clock::now();
    // Round up, plus the up-to-1 ms libuv's truncated loop time lags behind: firing
    // a little late is harmless, firing early costs a second wake-up.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
    uv_timer_start(timer_.get(), &DeadlineTimer::on_timer,
                   ms > 0 ? static_cast<std::uint64_t>(ms) + 1 : 0, 0);
}

void DeadlineTimer::on_timer(uv_timer_t* handle) noexcept {
    auto* self = static_cast<DeadlineTimer*>(handle->data);
    if (self == nullptr) {
        return;
    }
    self->armed_for_.reset();
    try {
        self->on_expiry_();
    } catch (...) {
        log(LogLevel::err, "timer handler failed");
    }
}

} // namespace nb::daemon
