#pragma once
// Runs one sdbus-c++ connection on a libuv loop, without a thread of its own.
// Before every loop iteration (uv_prepare_t) it re-reads getEventLoopPollData()
// — sd-bus may have queued messages or changed what it waits for in any call,
// not only while processing — and re-arms a uv_poll_t on the bus fd and a
// uv_timer_t on the absolute CLOCK_MONOTONIC timeout. When either fires it
// processes requests until sd-bus has nothing left (bounded per turn). What
// sdbus-c++ 1.x and 2.x call these is in <nb/dbus/sdbus_seam.hpp>.
// Thread-safety: the loop thread only; the connection must be used from it only.

#include "base/uv_handle.hpp"

#include <sdbus-c++/IConnection.h>
#include <uv.h>

#include <functional>
#include <string>

namespace nb::dbus {

class BusPump {
public:
    /// Called once, from a loop callback, when the connection fails (the bus went
    /// away, a protocol error). The pump has stopped by then; the callee may
    /// schedule the connection's teardown but must not destroy the pump from
    /// inside this call.
    using FailureFn = std::function<void(const std::string& why)>;

    /// Starts pumping at once. Returns normally even if libuv refuses a handle
    /// (then failed() is true and on_failure was not called).
    BusPump(uv_loop_t* loop, sdbus::IConnection& connection, FailureFn on_failure);
    ~BusPump() { close(); }
    BusPump(const BusPump&) = delete;
    BusPump& operator=(const BusPump&) = delete;

    /// Stops watching the connection and starts closing the handles. Idempotent.
    void close() noexcept;
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    /// True while processing requests, i.e. inside an sd-bus callback: the
    /// connection must not be destroyed now (close() the pump, destroy later).
    [[nodiscard]] bool dispatching() const noexcept { return dispatching_; }

private:
    static void on_prepare(uv_prepare_t* handle) noexcept;
    static void on_poll(uv_poll_t* handle, int status, int events) noexcept;
    static void on_timer(uv_timer_t* handle) noexcept;

    void rearm() noexcept;
    void process() noexcept;
    void fail(const std::string& why) noexcept;

    uv_loop_t* loop_;
    sdbus::IConnection& connection_;
    FailureFn on_failure_;
    daemon::UvHandle<uv_prepare_t> prepare_;
    daemon::UvHandle<uv_poll_t> poll_;
    daemon::UvHandle<uv_timer_t> timer_;
    int polled_fd_ = -1;
    int polled_events_ = 0;
    bool failed_ = false;
    bool dispatching_ = false;
};

} // namespace nb::dbus
