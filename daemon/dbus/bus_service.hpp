#pragma once
// notify-brokerd on D-Bus: the org.notifybroker.Broker1 object, run by sdbus-c++
// on the broker's own libuv loop (no second thread).
//
// CONTRACT with the app (daemon/app/main.cpp wires it next to the shell):
//  - construct one BusService after the Broker, on the loop thread. It connects to
//    settings.bus ("system", "session", "none" or an address such as
//    "unix:path=/run/x"), exports the object and claims settings.name, all
//    without waiting on the loop thread (dbus/bus_opener.hpp, name_requests.hpp):
//    connected() becomes true once RequestName's reply came. A bus that is
//    absent, does not answer within 25 s, refuses the name, or goes away later
//    is logged and retried with a backoff: the socket side never stops because
//    of D-Bus.
//  - D-Bus method calls reach the Broker from inside the loop; after each one that
//    was accepted, BusService calls `after_change` so the shell drains
//    take_outbox() and re-arms its next_deadline() timer.
//  - call notify_changed() after every other Broker event (datagram, tick, process
//    exit, reload): PropertiesChanged is emitted when generation() moved,
//    coalesced at the broker's status_interval with a trailing flush.
//  - call close() before stopping the loop, then run the loop once more so the
//    libuv handles finish closing (uv_loop_close() == 0 afterwards). The
//    destructor calls close() too.
// Thread-safety: every call from the loop thread only.

#include "base/log_level.hpp"
#include "core/broker.hpp"
#include "dbus/bus_settings.hpp"

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace nb::dbus {

/// Where BusService logs: priority as syslog (3 err ... 7 debug). Empty = the
/// daemon's logger (base/logger.hpp).
using LogFn = std::function<void(daemon::LogLevel level, std::string_view message)>;

struct BusHooks {
    /// The shell's clock (steady_clock::now in the daemon, a fake in tests).
    std::function<core::TimePoint()> now;
    /// Called after a D-Bus call changed the Broker: drain the outbox, re-arm the timer.
    std::function<void()> after_change;
    LogFn log;
    /// A caller's systemd unit from its pid, as the socket side resolves it
    /// (daemon::read_unit_of). Empty: libsystemd's sd_pid_get_unit().
    std::function<std::string(pid_t)> unit_of;
    /// The shell's counters, for the Counters property. May be empty.
    std::function<std::map<std::string, std::uint64_t>()> counters;
    /// How long one connect attempt (open, AddMatch, RequestName) may take
    /// before it counts as failed and is retried: sd-bus's method timeout.
    /// Tests shorten it.
    std::chrono::milliseconds connect_timeout{25'000};
};

class BusService {
public:
    /// Never throws for bus trouble (logged; connected() is false). Throws
    /// std::bad_alloc, and std::invalid_argument if a hook other than log is empty.
    BusService(uv_loop_t* loop, core::Broker& broker, const daemon::BusSettings& settings,
               BusHooks hooks);
    ~BusService();
    BusService(const BusService&) = delete;
    BusService& operator=(const BusService&) = delete;

    /// D-Bus workers the fd store's restore took back, by unique name: each is
    /// asked of the bus (asynchronously, once connected) and reported gone
    /// (Broker::on_bus_peer_gone) if it has no owner; the others are watched
    /// for NameOwnerChanged as any caller. Throws std::bad_alloc.
    void adopt_restored(std::vector<std::string> bus_names);
    /// The Broker may have changed: emit PropertiesChanged (rate-limited) if it did.
    void notify_changed() noexcept;
    /// A reload's [dbus] settings. A new name is requested (asynchronously) and
    /// the old one released once the new one is owned; if the new name cannot
    /// be had, the old one is kept (logged). A new bus: the old connection goes
    /// (its D-Bus workers are gone, as when a bus is lost) and the new bus is
    /// connected to as at start. Never waits for the bus.
    void reconfigure(const daemon::BusSettings& settings) noexcept;
    /// Releases the name, unexports the object, closes the bus and starts closing
    /// the libuv handles. Idempotent.
    void close() noexcept;

    /// True while connected to a bus and owning the name (not yet right after
    /// construction: the connect is asynchronous).
    [[nodiscard]] bool connected() const noexcept;
    /// Our unique name on the bus (":1.42"), empty when not connected.
    [[nodiscard]] std::string unique_name() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace nb::dbus
