#include "dbus/bus_service.hpp"

#include "base/logger.hpp"
#include "base/uv_handle.hpp"
#include "dbus/broker_object.hpp"
#include "dbus/bus_opener.hpp"
#include "dbus/bus_pump.hpp"
#include "dbus/name_requests.hpp"
#include "dbus/properties_snapshot.hpp"
#include "dbus/restored_callers.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <systemd/sd-login.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include <unistd.h>

namespace nb::dbus {
namespace {

using std::chrono::milliseconds;
using LogLevel = daemon::LogLevel;

constexpr milliseconds first_retry{1000};
constexpr milliseconds last_retry{30'000};

constexpr const char* name_owner_changed_rule =
    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
    "interface='org.freedesktop.DBus',member='NameOwnerChanged'";

std::string unit_from_libsystemd(pid_t pid) {
    char* unit = nullptr;
    if (sd_pid_get_unit(pid, &unit) < 0 || unit == nullptr) {
        return {};
    }
    std::string result(unit);
    std::free(unit); // NOLINT: sd-login hands out malloc()ed strings
    return result;
}

std::uint64_t delay_ms(core::TimePoint from, core::TimePoint to) {
    if (to <= from) {
        return 0;
    }
    // Round up: a flush that fires early finds the interval not over yet.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
    return static_cast<std::uint64_t>((us + 999) / 1000);
}

} // namespace

struct BusService::Impl {
    Impl(uv_loop_t* l, core::Broker& b, const daemon::BusSettings& s, BusHooks h)
        : loop(l)
        , broker(b)
        , settings(s)
        , hooks(std::move(h)) {}

    uv_loop_t* loop;
    core::Broker& broker;
    daemon::BusSettings settings;
    BusHooks hooks;

    // Destroyed in reverse: the pump, the calls and the object before the
    // connection they use.
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<BrokerObject> object;
    std::unique_ptr<NameRequests> name_requests;
    sdbus::Slot peer_match;
    RestoredCallers restored; // D-Bus workers of the fd store, checked with the bus
    std::unique_ptr<BusPump> pump;
    std::unique_ptr<BusOpener> opener; // connects off the loop thread

    daemon::UvHandle<uv_timer_t> flush_timer;   // trailing PropertiesChanged
    daemon::UvHandle<uv_timer_t> retry_timer;   // teardown after a failure, then reconnect
    daemon::UvHandle<uv_timer_t> attempt_timer; // bounds one connect attempt
    PropertiesSnapshot emitted;
    std::optional<core::TimePoint> last_emit;
    bool flush_armed = false;
    bool owned = false; // RequestName answered: the service is connected
    bool lost = false;  // tear down from the retry timer (out of any sd-bus callback)
    bool closed = false;
    bool said_unavailable = false;
    milliseconds retry_delay = first_retry;
    milliseconds delay_after_teardown = first_retry;
    bool teardown_peers_gone = false;  // the connection broke: its callers went with it
    std::uint64_t name_generation = 0; // a reload's name change in flight
    std::string pending_name;          // that name, claimed instead if the connection goes first

    void log(LogLevel level, const std::string& text) noexcept {
        try {
            if (hooks.log) {
                hooks.log(level, text);
                return;
            }
        } catch (...) {
            return;
        }
        daemon::log(level, text);
    }

    void connect() noexcept;
    void on_opened(BusOpener::Result result) noexcept;
    void on_name_reply(const std::string& error) noexcept;
    void fail_attempt(const std::string& why) noexcept;
    void teardown_then_retry(milliseconds delay, bool peers_gone) noexcept;
    void disconnect(bool peers_gone) noexcept;
    void schedule_retry(milliseconds delay) noexcept;
    void on_retry() noexcept;
    void on_pump_failure(const std::string& why) noexcept;
    void on_name_owner_changed(sdbus::Message& signal) noexcept;
    void check_restored() noexcept;
    void after_change() noexcept;
    void maybe_emit() noexcept;
    void emit_now(core::TimePoint now) noexcept;
    void change_bus(const daemon::BusSettings& next) noexcept;
    void change_name(const std::string& next) noexcept;
    [[nodiscard]] bool connected_now() const noexcept {
        return connection != nullptr && owned && !lost && pump != nullptr;
    }
};

// Three steps, none of which waits on the loop thread: the opener's thread
// opens the bus and adds the NameOwnerChanged match; the loop exports the
// object, starts pumping and asks for the name; RequestName's reply makes the
// service connected. attempt_timer bounds the whole as one attempt.
void BusService::Impl::connect() noexcept {
    if (closed || settings.bus == "none" || !opener || opener->waiting()) {
        return;
    }
    std::string why;
    if (!opener->start(
            settings.bus, name_owner_changed_rule,
            [this](sdbus::Message& m) { on_name_owner_changed(m); }, why)) {
        // An abandoned attempt's thread still waits for sd-bus's own timeout:
        // one attempt at a time, so try again after the usual delay.
        log(LogLevel::debug, "D-Bus: not connecting yet: " + why);
        schedule_retry(retry_delay);
        return;
    }
    uv_timer_start(
        attempt_timer.get(),
        [](uv_timer_t* t) noexcept {
            auto* self = static_cast<Impl*>(t->data);
            if (self == nullptr || self->owned) {
                return;
            }
            // Longer than sd-bus's own method timeout: failed, dropped, retried.
            self->opener->abandon();
            self->fail_attempt("no answer from the bus within " +
                               std::to_string(self->hooks.connect_timeout.count()) + " ms");
        },
        static_cast<std::uint64_t>(std::max<std::int64_t>(hooks.connect_timeout.count(), 0)), 0);
}

void BusService::Impl::on_opened(BusOpener::Result result) noexcept {
    if (closed) {
        return;
    }
    if (!result.error.empty()) {
        fail_attempt(result.error);
        return;
    }
    try {
        connection = std::move(result.connection);
        peer_match = std::move(result.match);
        BrokerObject::Callbacks callbacks;
        callbacks.now = hooks.now;
        callbacks.counters = hooks.counters;
        callbacks.after_call = [this] {
            after_change();
        };
        callbacks.unit_of = hooks.unit_of ? hooks.unit_of : unit_from_libsystemd;
        callbacks.refused = [this](const std::string& text) {
            log(LogLevel::debug, text);
        };
        callbacks.reader_uid = geteuid();
        callbacks.reader_gid = getegid();
        // Export before claiming the name: whoever sees the name finds the object.
        object = std::make_unique<BrokerObject>(*connection, broker, std::move(callbacks));
        name_requests = std::make_unique<NameRequests>(*connection);
        pump = std::make_unique<BusPump>(loop, *connection,
                                         [this](const std::string& why) { on_pump_failure(why); });
        if (pump->failed()) {
            throw std::runtime_error("libuv refused a handle for the bus");
        }
        name_requests->request(settings.name,
                               [this](const std::string& error) { on_name_reply(error); });
    } catch (const std::exception& e) {
        const sdbus::Error* bus_error = dynamic_cast<const sdbus::Error*>(&e);
        fail_attempt(bus_error != nullptr
                         ? bus_error->getMessage() + " (" + bus_error->getName() + ")"
                         : std::string(e.what()));
    }
}

void BusService::Impl::on_name_reply(const std::string& error) noexcept {
    if (closed || lost || owned) {
        return;
    }
    if (!error.empty()) {
        fail_attempt(error);
        return;
    }
    uv_timer_stop(attempt_timer.get());
    owned = true;
    check_restored(); // after the match: a departure in between is seen either way
    emitted = PropertiesSnapshot::take(broker, hooks.now());
    last_emit.reset();
    retry_delay = first_retry;
    said_unavailable = false;
    try {
        log(LogLevel::notice, "D-Bus: " + settings.name + " on the " + settings.bus + " bus as " +
                                  connection->getUniqueName());
    } catch (const std::exception&) {
        log(LogLevel::notice, "D-Bus: " + settings.name + " on the " + settings.bus + " bus");
    }
}

void BusService::Impl::fail_attempt(const std::string& why) noexcept {
    if (attempt_timer) {
        uv_timer_stop(attempt_timer.get());
    }
    // The first failure is news; the retries that follow are not.
    log(said_unavailable ? LogLevel::debug : LogLevel::warning,
        "D-Bus: cannot serve " + settings.name + " on the " + settings.bus + " bus: " + why +
            "; the socket side carries on, retrying in " +
            std::to_string(retry_delay.count() / 1000) + " s");
    said_unavailable = true;
    // A connect that failed says nothing of the restored workers: they are
    // asked again on the next connection.
    teardown_then_retry(retry_delay, false);
    retry_delay = std::min(retry_delay * 2, last_retry);
}

void BusService::Impl::teardown_then_retry(milliseconds delay, bool peers_gone) noexcept {
    // This may run inside an sd-bus callback (a reply): the connection is torn
    // down from the retry timer, which then waits `delay` before connecting.
    if (pump) {
        pump->close();
    }
    lost = true;
    delay_after_teardown = delay;
    teardown_peers_gone = peers_gone;
    schedule_retry(milliseconds(0));
}

void BusService::Impl::disconnect(bool peers_gone) noexcept {
    std::vector<std::string> gone;
    if (object && peers_gone) {
        try {
            gone = object->callers();
        } catch (...) {
        }
    }
    if (peers_gone) {
        for (auto& name : restored.take_all()) {
            gone.push_back(std::move(name));
        }
    }
    restored.disconnect();
    if (opener) {
        opener->abandon();
    }
    if (attempt_timer) {
        uv_timer_stop(attempt_timer.get());
    }
    pump.reset();
    name_requests.reset();
    object.reset();
    peer_match.reset();
    connection.reset();
    owned = false;
    if (!pending_name.empty()) {
        settings.name = std::move(pending_name); // the next connection claims it
        pending_name.clear();
        ++name_generation;
    }
    if (flush_timer) {
        uv_timer_stop(flush_timer.get());
    }
    flush_armed = false;
    lost = false;
    if (!gone.empty()) {
        // Their connections went down with the bus: they are gone workers now.
        const auto now = hooks.now();
        for (const auto& name : gone) {
            broker.on_bus_peer_gone(name, now);
        }
        after_change();
    }
}

void BusService::Impl::schedule_retry(milliseconds delay) noexcept {
    if (closed || !retry_timer) {
        return;
    }
    uv_timer_start(
        retry_timer.get(),
        [](uv_timer_t* t) noexcept {
            if (auto* self = static_cast<Impl*>(t->data)) {
                self->on_retry();
            }
        },
        static_cast<std::uint64_t>(delay.count()), 0);
}

void BusService::Impl::on_retry() noexcept {
    if (lost) {
        // Out of the pump's own callback now: safe to destroy it.
        disconnect(teardown_peers_gone);
        schedule_retry(delay_after_teardown);
        return;
    }
    connect();
}

void BusService::Impl::on_pump_failure(const std::string& why) noexcept {
    log(LogLevel::warning,
        "D-Bus: lost the " + settings.bus + " bus: " + why + "; the socket side carries on");
    said_unavailable = true;
    teardown_then_retry(retry_delay, true);
}

void BusService::Impl::on_name_owner_changed(sdbus::Message& signal) noexcept {
    try {
        std::string name;
        std::string old_owner;
        std::string new_owner;
        signal >> name >> old_owner >> new_owner;
        // A unique name ":1.42" has no new owner once its connection is gone.
        if (!new_owner.empty() || name.empty() || name.front() != ':' || !object) {
            return;
        }
        const bool caller = object->forget(name);
        if (!restored.forget(name) && !caller) {
            return;
        }
        broker.on_bus_peer_gone(name, hooks.now());
        after_change();
    } catch (const std::exception& e) {
        log(LogLevel::warning, std::string("D-Bus: bad NameOwnerChanged: ") + e.what());
    }
}

void BusService::Impl::check_restored() noexcept {
    if (!owned || restored.size() == 0) {
        return;
    }
    try {
        restored.check(*connection, [this](const std::string& name) {
            log(LogLevel::notice, "D-Bus: restored worker " + name + " has left the bus");
            broker.on_bus_peer_gone(name, hooks.now());
            after_change();
        });
    } catch (const std::exception& e) {
        log(LogLevel::warning,
            std::string("D-Bus: cannot check the restored workers' names: ") + e.what());
    }
}

void BusService::Impl::after_change() noexcept {
    try {
        hooks.after_change();
    } catch (const std::exception& e) {
        log(LogLevel::err, std::string("D-Bus: after_change failed: ") + e.what());
    }
    maybe_emit();
}

void BusService::Impl::maybe_emit() noexcept {
    if (!owned || lost || closed || flush_armed || broker.generation() == emitted.generation) {
        return;
    }
    const core::TimePoint now = hooks.now();
    const auto interval = broker.config().status_interval;
    if (!last_emit || now >= *last_emit + interval || !flush_timer) {
        emit_now(now);
        return;
    }
    flush_armed = true;
    uv_timer_start(
        flush_timer.get(),
        [](uv_timer_t* t) noexcept {
            auto* self = static_cast<Impl*>(t->data);
            if (self == nullptr) {
                return;
            }
            self->flush_armed = false;
            if (self->owned && !self->lost &&
                self->broker.generation() != self->emitted.generation) {
                self->emit_now(self->hooks.now());
            }
        },
        delay_ms(now, *last_emit + interval), 0);
}

void BusService::Impl::emit_now(core::TimePoint now) noexcept {
    try {
        PropertiesSnapshot current = PropertiesSnapshot::take(broker, now);
        const auto names = current.changed_since(emitted);
        emitted = std::move(current);
        last_emit = now;
        if (!names.empty()) {
            object->emit_changed(names);
        }
    } catch (const std::exception& e) {
        log(LogLevel::warning, std::string("D-Bus: cannot emit PropertiesChanged: ") + e.what());
    }
}

void BusService::Impl::change_bus(const daemon::BusSettings& next) noexcept {
    log(LogLevel::notice,
        "D-Bus: reload moves " + settings.name + " from the " + settings.bus + " bus to " +
            (next.bus == "none" ? std::string("none") : "the " + next.bus + " bus") + " as " +
            next.name);
    // As when the bus is lost: its D-Bus workers go with the old connection.
    disconnect(true);
    if (retry_timer) {
        uv_timer_stop(retry_timer.get());
    }
    settings = next;
    ++name_generation;
    retry_delay = first_retry;
    said_unavailable = false;
    connect();
}

void BusService::Impl::change_name(const std::string& next) noexcept {
    if (!connected_now()) {
        // Not serving yet: the attempt under way claims the old name, so start over.
        log(LogLevel::notice, "D-Bus: reload renames " + settings.name + " to " + next);
        // Nobody called yet, unless the bus broke and waits for its teardown.
        disconnect(lost && teardown_peers_gone);
        if (retry_timer) {
            uv_timer_stop(retry_timer.get());
        }
        settings.name = next;
        ++name_generation;
        connect();
        return;
    }
    // Served: the new name first, the old one released only once it is ours,
    // so that the object is reachable by one of them throughout.
    const std::uint64_t generation = ++name_generation;
    const std::string old_name = settings.name;
    pending_name = next;
    try {
        name_requests->request(next, [this, generation, next, old_name](const std::string& error) {
            if (generation != name_generation || !owned) {
                if (error.empty() && name_requests && next != settings.name) {
                    try {
                        name_requests->release(next); // a later reload wants another name
                    } catch (const std::exception&) {
                    }
                }
                return;
            }
            pending_name.clear();
            if (!error.empty()) {
                log(LogLevel::warning, "D-Bus: cannot take the new name " + next + ": " + error +
                                           "; still serving as " + old_name);
                return;
            }
            settings.name = next;
            try {
                name_requests->release(old_name);
            } catch (const std::exception& e) {
                log(LogLevel::warning, "D-Bus: cannot release " + old_name + ": " + e.what());
            }
            log(LogLevel::notice,
                "D-Bus: " + next + " on the " + settings.bus + " bus (released " + old_name + ")");
        });
    } catch (const std::exception& e) {
        pending_name.clear();
        log(LogLevel::warning, "D-Bus: cannot request the new name " + next + ": " + e.what() +
                                   "; still serving as " + old_name);
    }
}

BusService::BusService(uv_loop_t* loop, core::Broker& broker, const daemon::BusSettings& settings,
                       BusHooks hooks) {
    if (!hooks.now || !hooks.after_change) {
        throw std::invalid_argument("BusService: the now and after_change hooks are required");
    }
    impl_ = std::make_unique<Impl>(loop, broker, settings, std::move(hooks));
    // Made for "none" too: a reload may name a bus later.
    Impl& impl = *impl_;
    impl.opener = std::make_unique<BusOpener>(
        loop, [&impl](BusOpener::Result result) { impl.on_opened(std::move(result)); });
    int rc = impl.flush_timer.init(uv_timer_init, loop, &impl);
    if (rc == 0) {
        rc = impl.retry_timer.init(uv_timer_init, loop, &impl);
    }
    if (rc == 0) {
        rc = impl.attempt_timer.init(uv_timer_init, loop, &impl);
    }
    if (rc < 0 || impl.opener->failed()) {
        impl.log(LogLevel::err, std::string("D-Bus: libuv refused a handle: ") +
                                    uv_strerror(rc < 0 ? rc : UV_ENOMEM));
        close();
        return;
    }
    impl.connect(); // returns at once: connected() becomes true later
}

BusService::~BusService() {
    close();
}

void BusService::adopt_restored(std::vector<std::string> bus_names) {
    if (!impl_ || impl_->closed) {
        return;
    }
    impl_->restored.adopt(std::move(bus_names));
    impl_->check_restored(); // not connected yet: on the connection
}

void BusService::notify_changed() noexcept {
    if (impl_) {
        impl_->maybe_emit();
    }
}

void BusService::close() noexcept {
    if (!impl_ || impl_->closed) {
        return;
    }
    impl_->closed = true;
    if (impl_->opener) {
        impl_->opener->close(); // never waits for an attempt's thread
    }
    if (impl_->pump && impl_->pump->dispatching()) {
        // Called from inside a D-Bus callback: sd-bus is still using the
        // connection. Stop watching it now; the destructor frees it.
        impl_->pump->close();
    } else {
        impl_->disconnect(false);
    }
    impl_->flush_timer.close();
    impl_->retry_timer.close();
    impl_->attempt_timer.close();
}

void BusService::reconfigure(const daemon::BusSettings& settings) noexcept {
    if (!impl_ || impl_->closed) {
        return;
    }
    if (settings.bus != impl_->settings.bus) {
        impl_->change_bus(settings);
    } else if (settings.name != impl_->settings.name) {
        impl_->change_name(settings.name);
    }
}

bool BusService::connected() const noexcept {
    return impl_ && impl_->connected_now();
}

std::string BusService::unique_name() const {
    if (!connected()) {
        return {};
    }
    return impl_->connection->getUniqueName();
}

} // namespace nb::dbus
