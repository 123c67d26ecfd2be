#include "base/deadline_timer.hpp"

#include "base/logger.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include <sys/timerfd.h>
#include <unistd.h>

namespace nb::daemon {

DeadlineTimer::DeadlineTimer(uv_loop_t* loop, std::function<void()> on_expiry)
    : timerfd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC))
    , on_expiry_(std::move(on_expiry)) {
    if (!timerfd_) {
        throw std::runtime_error(std::string("timerfd_create: ") + std::strerror(errno));
    }
    int rc = poll_.init(uv_poll_init, loop, this, timerfd_.get());
    if (rc == 0) {
        rc = uv_poll_start(poll_.get(), UV_READABLE, &DeadlineTimer::on_readable);
    }
    if (rc != 0) {
        throw std::runtime_error(std::string("polling the deadline timerfd: ") + uv_strerror(rc));
    }
}

void DeadlineTimer::arm(std::optional<TimePoint> deadline) noexcept {
    if (!poll_ || deadline == armed_for_) {
        return;
    }
    armed_for_ = deadline;
    itimerspec spec{}; // all zero: disarmed
    if (deadline) {
        const auto ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch())
                .count();
        // A zero it_value would disarm: a deadline at (or before) the clock's
        // epoch is due now, and 1 ns is long past.
        const std::int64_t due = ns > 0 ? ns : 1;
        spec.it_value.tv_sec = static_cast<time_t>(due / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(due % 1'000'000'000);
    }
    if (::timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
        log(LogLevel::err, std::string("timerfd_settime: ") + std::strerror(errno));
        armed_for_.reset();
    }
}

void DeadlineTimer::on_readable(uv_poll_t* handle, int /*status*/, int /*events*/) noexcept {
    auto* self = static_cast<DeadlineTimer*>(handle->data);
    if (self == nullptr) {
        return;
    }
    std::uint64_t expirations = 0;
    if (::read(self->timerfd_.get(), &expirations, sizeof(expirations)) < 0) {
        return; // EAGAIN: re-armed (or disarmed) since it became readable
    }
    self->armed_for_.reset();
    try {
        self->on_expiry_();
    } catch (...) {
        log(LogLevel::err, "timer handler failed");
    }
}

} // namespace nb::daemon
