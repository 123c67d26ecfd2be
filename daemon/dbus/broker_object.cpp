#include "dbus/broker_object.hpp"

#include "dbus/call_errors.hpp"
#include "dbus/call_message.hpp"

#include <exception>
#include <limits>
#include <new>
#include <utility>

namespace nb::dbus {
namespace {

// Only sdbus::Error may cross sd-bus's C callbacks; anything else becomes Failed.
template <class Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const sdbus::Error&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw sdbus::Error("org.freedesktop.DBus.Error.NoMemory", "out of memory");
    } catch (const std::exception& e) {
        throw sdbus::Error(error_failed, e.what());
    }
}

std::string describe(const core::Sender& sender) {
    std::string text = "uid " + std::to_string(sender.uid) + ", pid " + std::to_string(sender.pid) +
                       " (" + sender.bus_name;
    if (!sender.unit.empty()) {
        text += ", " + sender.unit;
    }
    return text + ")";
}

} // namespace

BrokerObject::BrokerObject(sdbus::IConnection& connection, core::Broker& broker,
                           Callbacks callbacks)
    : AdaptorInterfaces(connection, object_path)
    , broker_(broker)
    , callbacks_(std::move(callbacks)) {
    registerAdaptor();
}

BrokerObject::~BrokerObject() {
    unregisterAdaptor();
}

bool BrokerObject::forget(const std::string& bus_name) {
    return callers_.erase(bus_name) > 0;
}

std::vector<std::string> BrokerObject::callers() const {
    std::vector<std::string> names;
    names.reserve(callers_.size());
    for (const auto& [name, caller] : callers_) {
        names.push_back(name);
    }
    return names;
}

void BrokerObject::emit_changed(const std::vector<std::string>& names) {
    getObject().emitPropertiesChangedSignal(INTERFACE_NAME, names);
}

std::vector<WorkerRow> BrokerObject::rows(const std::vector<core::WorkerInfo>& workers) {
    std::vector<WorkerRow> result;
    result.reserve(workers.size());
    for (const auto& w : workers) {
        const std::uint64_t age = w.last_ping_age
                                      ? static_cast<std::uint64_t>(w.last_ping_age->count())
                                      : std::numeric_limits<std::uint64_t>::max();
        result.emplace_back(w.name, w.group, std::string(core::to_string(w.source)),
                            static_cast<std::uint32_t>(w.pid), static_cast<std::uint32_t>(w.uid),
                            std::string(core::to_string(w.state)), w.status, age);
    }
    return result;
}

core::Sender BrokerObject::current_sender() {
    const sdbus::Message* call = getObject().getCurrentlyProcessedMessage();
    if (call == nullptr) {
        throw sdbus::Error(error_failed, "no current call");
    }
    std::string bus_name = call->getSender();
    auto found = callers_.find(bus_name);
    if (found == callers_.end()) {
        // The bus's word on who is calling (GetConnectionCredentials): asked once
        // per unique name, which never changes hands while it exists.
        Caller caller;
        caller.pid = call->getCredsPid();
        caller.uid = call->getCredsUid();
        caller.gid = call->getCredsGid();
        caller.unit = callbacks_.unit_of ? callbacks_.unit_of(caller.pid) : std::string();
        found = callers_.emplace(bus_name, std::move(caller)).first;
    }
    const Caller& c = found->second;
    return core::Sender{core::Source::dbus, c.pid, c.uid, c.gid, c.unit, std::move(bus_name)};
}

void BrokerObject::handle(const std::string& name, std::vector<proto::Assignment> assignments) {
    guarded([&] {
        auto message = message_for_call(name, std::move(assignments));
        if (!message) {
            throw sdbus::Error(error_invalid_args, message.error().message);
        }
        const core::Sender sender = current_sender();
        const core::Verdict verdict = broker_.on_message(sender, *message, callbacks_.now());
        if (callbacks_.after_call) {
            callbacks_.after_call();
        }
        if (auto error = error_for(verdict, describe(sender))) {
            if (callbacks_.refused) {
                callbacks_.refused("D-Bus call from " + describe(sender) +
                                   " refused: " + std::string(core::to_string(verdict)));
            }
            throw std::move(*error);
        }
    });
}

void BrokerObject::Ready(const std::string& name) {
    handle(name, {{"READY", "1"}});
}

void BrokerObject::SetStatus(const std::string& name, const std::string& text) {
    handle(name, {{"STATUS", text}});
}

void BrokerObject::WatchdogPing(const std::string& name) {
    handle(name, {{"WATCHDOG", "1"}});
}

void BrokerObject::Stopping(const std::string& name) {
    handle(name, {{"STOPPING", "1"}});
}

void BrokerObject::Notify(const std::string& name,
                          const std::map<std::string, std::string>& assignments) {
    std::vector<proto::Assignment> list;
    list.reserve(assignments.size());
    for (const auto& [key, value] : assignments) {
        list.push_back({key, value});
    }
    handle(name, std::move(list));
}

std::string BrokerObject::State() {
    return guarded([&] { return std::string(core::to_string(broker_.state())); });
}
std::uint32_t BrokerObject::ReadyCount() {
    return broker_.counts().ready;
}
std::uint32_t BrokerObject::ExpectedCount() {
    return broker_.counts().expected;
}
std::uint32_t BrokerObject::KnownCount() {
    return broker_.counts().known;
}
std::string BrokerObject::StatusText() {
    return guarded([&] { return broker_.status_text(); });
}
std::vector<WorkerRow> BrokerObject::Workers() {
    return guarded([&] { return rows(broker_.workers(callbacks_.now())); });
}
std::uint64_t BrokerObject::Generation() {
    return broker_.generation();
}

} // namespace nb::dbus
