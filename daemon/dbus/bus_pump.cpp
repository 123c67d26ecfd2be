#include "dbus/bus_pump.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/Error.h>

#include <cstdint>
#include <ctime>
#include <exception>

#include <poll.h>

namespace nb::dbus {
namespace {

// Messages handled per wake-up before the loop gets a turn for the socket side;
// a flooding D-Bus peer must not starve datagrams or timers.
constexpr int max_requests_per_turn = 64;

std::uint64_t monotonic_usec() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1'000U;
}

template <class Handle>
BusPump* owner(Handle* handle) noexcept {
    return static_cast<BusPump*>(handle->data);
}

} // namespace

BusPump::BusPump(uv_loop_t* loop, sdbus::IConnection& connection, FailureFn on_failure)
    : loop_(loop)
    , connection_(connection)
    , on_failure_(std::move(on_failure)) {
    const int rc_prepare = prepare_.init(uv_prepare_init, loop_, this);
    const int rc_timer = timer_.init(uv_timer_init, loop_, this);
    if (rc_prepare < 0 || rc_timer < 0 || uv_prepare_start(prepare_.get(), on_prepare) < 0) {
        failed_ = true;
        close();
        return;
    }
    // Requests may already be queued (replies read during the synchronous Hello
    // and RequestName): the timer, armed for "now" by the first rearm, gets them.
    rearm();
}

void BusPump::close() noexcept {
    prepare_.close();
    poll_.close();
    timer_.close();
    polled_fd_ = -1;
    polled_events_ = 0;
}

void BusPump::on_prepare(uv_prepare_t* handle) noexcept {
    if (auto* self = owner(handle)) {
        self->rearm();
    }
}

void BusPump::on_poll(uv_poll_t* handle, int status, int /*events*/) noexcept {
    auto* self = owner(handle);
    if (self == nullptr) {
        return;
    }
    if (status < 0) {
        self->fail(std::string("polling the bus fd failed: ") + uv_strerror(status));
        return;
    }
    self->process();
}

void BusPump::on_timer(uv_timer_t* handle) noexcept {
    if (auto* self = owner(handle)) {
        self->process();
    }
}

void BusPump::process() noexcept {
    struct Dispatching {
        bool& flag;
        explicit Dispatching(bool& f) : flag(f) { flag = true; }
        ~Dispatching() { flag = false; }
        Dispatching(const Dispatching&) = delete;
        Dispatching& operator=(const Dispatching&) = delete;
    } dispatching(dispatching_);
    try {
        // Stop as soon as a callback closed us (prepare_ gone).
        for (int i = 0; i < max_requests_per_turn && prepare_; ++i) {
            if (!sdbus_seam::process_one(connection_)) {
                return;
            }
        }
        // Budget spent with work left: sd-bus reports a zero timeout for its
        // queued messages, so the next rearm() brings us back right after the
        // other handles had their turn.
    } catch (const sdbus::Error& e) {
        fail(e.getMessage() + " (" + e.getName() + ")");
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

void BusPump::rearm() noexcept {
    if (failed_) {
        return;
    }
    sdbus_seam::PollState data{};
    try {
        data = sdbus_seam::poll_state(connection_);
    } catch (const sdbus::Error& e) {
        fail(e.getMessage() + " (" + e.getName() + ")");
        return;
    }

    int events = 0;
    if ((data.events & POLLIN) != 0) {
        events |= UV_READABLE;
    }
    if ((data.events & POLLOUT) != 0) {
        events |= UV_WRITABLE;
    }
    if (data.fd != polled_fd_) {
        poll_.close();
        polled_events_ = 0;
        polled_fd_ = -1;
        const int rc = poll_.init(uv_poll_init, loop_, this, data.fd);
        if (rc < 0) {
            fail(std::string("cannot watch the bus fd: ") + uv_strerror(rc));
            return;
        }
        polled_fd_ = data.fd;
    }
    if (events != polled_events_) {
        const int rc =
            events == 0 ? uv_poll_stop(poll_.get()) : uv_poll_start(poll_.get(), events, on_poll);
        if (rc < 0) {
            fail(std::string("cannot watch the bus fd: ") + uv_strerror(rc));
            return;
        }
        polled_events_ = events;
    }

    if (data.timeout_usec == UINT64_MAX) {
        uv_timer_stop(timer_.get());
        return;
    }
    const std::uint64_t now = monotonic_usec();
    // Round up: waking before the deadline would find nothing to do and spin.
    const std::uint64_t delay_ms =
        data.timeout_usec <= now ? 0 : (data.timeout_usec - now + 999U) / 1000U;
    uv_timer_start(timer_.get(), on_timer, delay_ms, 0);
}

void BusPump::fail(const std::string& why) noexcept {
    if (failed_) {
        return;
    }
    failed_ = true;
    close();
    if (on_failure_) {
        try {
            on_failure_(why);
        } catch (...) {
            // The callee logs; nothing sensible is left to do with its failure here.
        }
    }
}

} // namespace nb::dbus
