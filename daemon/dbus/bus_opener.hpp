#pragma once
// Opens a bus connection off the loop thread (issue 14 point 4): sdbus-c++'s
// connection constructor waits for the handshake (it flushes the Hello), and
// sdbus-c++ 1.2 has no asynchronous AddMatch, so a bus daemon that stops
// answering (SIGSTOP, overload) would hold the loop for as long as sd-bus's own
// timeouts run. Each attempt runs on a thread of its own that opens the bus,
// adds the one match rule and hands both to the loop thread (uv_async); the
// loop thread does everything else with the connection.
//
// Shutdown never waits for an attempt: abandon() and close() only drop the
// loop's side. The thread is detached and owns nothing the loop frees: it
// shares with the loop one small state (a mutex, the result slot and the
// uv_async_t pointer, cleared under the mutex before the handle is closed),
// kept alive by both through a shared_ptr. An abandoned attempt's thread
// destroys what it made itself when sd-bus gives up (its auth and method
// timeouts bound that). The match handler is never called on that thread: it
// only sends AddMatch and dispatches nothing.
// Thread-safety: the public functions from the loop thread only.

#include "base/uv_handle.hpp"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/Message.h>
#include <sdbus-c++/TypeTraits.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>

namespace nb::dbus {

class BusOpener {
public:
    /// What an attempt made: the connection with its match in place, or why not.
    struct Result {
        std::unique_ptr<sdbus::IConnection> connection; // destroyed after the match
        sdbus::Slot match;
        std::string error; ///< empty on success
    };
    /// On the loop thread, once per attempt that was not abandoned.
    using DoneFn = std::function<void(Result result)>;
    using MatchFn = std::function<void(sdbus::Message&)>;

    /// failed() if libuv refuses the wake-up handle. The handle does not keep
    /// the loop alive.
    BusOpener(uv_loop_t* loop, DoneFn on_done);
    ~BusOpener() { close(); }
    BusOpener(const BusOpener&) = delete;
    BusOpener& operator=(const BusOpener&) = delete;

    /// Starts opening `bus` (dbus/bus_connection.hpp) with match `rule` calling
    /// `on_match` (on the loop thread, once the connection is pumped there).
    /// False, and nothing started, while a thread of an earlier attempt still
    /// runs (at most one attempt at a time), after close(), or if no thread
    /// can be made (`why` says which).
    bool start(const std::string& bus, const std::string& rule, MatchFn on_match, std::string& why);
    /// Drops the awaited attempt: its result will be destroyed by its thread.
    void abandon() noexcept;
    /// True while an attempt's result is awaited.
    [[nodiscard]] bool waiting() const noexcept;
    /// True while the thread of the last attempt (awaited or abandoned) runs.
    [[nodiscard]] bool busy() const noexcept;
    /// abandon(), then closes the wake-up handle. Idempotent.
    void close() noexcept;
    [[nodiscard]] bool failed() const noexcept { return !async_; }

private:
    struct Attempt;
    static void on_wake(uv_async_t* handle) noexcept;

    DoneFn on_done_;
    daemon::UvHandle<uv_async_t> async_;
    std::shared_ptr<Attempt> attempt_;
    bool awaited_ = false;
};

} // namespace nb::dbus
