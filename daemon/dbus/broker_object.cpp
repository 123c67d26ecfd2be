#include "dbus/broker_object.hpp"

#include "dbus/call_errors.hpp"
#include "dbus/call_message.hpp"

#include <nb/proto/metrics.hpp>

#include <algorithm>
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
        throw sdbus_seam::make_error("org.freedesktop.DBus.Error.NoMemory", "out of memory");
    } catch (const std::exception& e) {
        throw sdbus_seam::make_error(error_failed, e.what());
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
    : AdaptorInterfaces(connection, sdbus::ObjectPath(object_path))
    , broker_(broker)
    , callbacks_(std::move(callbacks))
    , bus_daemon_(
          sdbus_seam::create_proxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus"))
    , calls_(getObject()) {
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
    // Built here rather than by sd-bus (emitPropertiesChangedSignal), which
    // would put the worker table, read by whichever caller is being served,
    // into a signal every bus user may receive. Workers is only invalidated.
    std::map<std::string, sdbus::Variant> changed;
    std::vector<std::string> invalidated;
    const core::Counts counts = broker_.counts();
    for (const auto& name : names) {
        if (name == "State") {
            changed[name] = sdbus::Variant(std::string(core::to_string(broker_.state())));
        } else if (name == "ReadyCount") {
            changed[name] = sdbus::Variant(counts.ready);
        } else if (name == "ExpectedCount") {
            changed[name] = sdbus::Variant(counts.expected);
        } else if (name == "KnownCount") {
            changed[name] = sdbus::Variant(counts.known);
        } else if (name == "StatusText") {
            changed[name] = sdbus::Variant(broker_.status_text());
        } else if (name == "Generation") {
            changed[name] = sdbus::Variant(broker_.generation());
        } else {
            invalidated.push_back(name);
        }
    }
    auto signal = sdbus_seam::create_signal(getObject(), "org.freedesktop.DBus.Properties",
                                            "PropertiesChanged");
    signal << std::string(INTERFACE_NAME) << changed << invalidated;
    getObject().emitSignal(signal);
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
                            std::string(core::to_string(w.state)), w.status, age, w.failure);
    }
    return result;
}

const BrokerObject::Caller& BrokerObject::current_caller(std::string& bus_name) {
    auto call = calls_.current();
    if (!call) {
        throw sdbus_seam::make_error(error_failed, "no current call");
    }
    bus_name = std::move(call->sender);
    if (auto found = callers_.find(bus_name); found != callers_.end()) {
        return found->second;
    }
    if (bus_name.empty() || bus_name.front() != ':') {
        throw sdbus_seam::make_error(error_access_denied, "the bus did not say who is calling");
    }
    if (callers_.size() >= max_callers) {
        throw sdbus_seam::make_error(error_limits_exceeded, "too many D-Bus callers at once (" +
                                                                std::to_string(max_callers) + ")");
    }
    // The bus daemon's word (the kernel's credentials of the connection, taken
    // when it connected), once per unique name: a unique name never changes
    // hands. Never sd-bus's getCreds*(), which fill uid, gid and unit from
    // /proc of whatever process holds the pid now.
    std::map<std::string, sdbus::Variant> reply;
    try {
        bus_daemon_->callMethod("GetConnectionCredentials")
            .onInterface("org.freedesktop.DBus")
            .withTimeout(credentials_timeout)
            .withArguments(bus_name)
            .storeResultsTo(reply);
    } catch (const sdbus::Error& e) {
        throw sdbus_seam::make_error(error_access_denied, "cannot ask the bus who " + bus_name +
                                                              " is: " + e.getMessage());
    }
    auto credentials = credentials_from_reply(reply);
    if (!credentials) {
        throw sdbus_seam::make_error(error_access_denied,
                                     "the bus gave no uid for " + bus_name + "; refusing the call");
    }
    Caller caller = verify_caller(std::move(*credentials), callbacks_.unit_of);
    return callers_.emplace(bus_name, std::move(caller)).first->second;
}

core::Sender BrokerObject::current_sender() {
    std::string bus_name;
    const Caller& c = current_caller(bus_name);
    return core::Sender{core::Source::dbus, c.pid, c.uid, c.gid, c.unit, std::move(bus_name)};
}

bool BrokerObject::may_read_workers(const Caller& caller) const {
    return caller.uid == 0 || caller.uid == callbacks_.reader_uid ||
           std::find(caller.groups.begin(), caller.groups.end(), callbacks_.reader_gid) !=
               caller.groups.end();
}

void BrokerObject::handle(const std::string& name, std::vector<proto::Assignment> assignments) {
    guarded([&] {
        auto message = message_for_call(name, std::move(assignments));
        if (!message) {
            throw sdbus_seam::make_error(error_invalid_args, message.error().message);
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
    return guarded([&] {
        const auto call = calls_.current();
        std::string bus_name;
        const Caller& caller = current_caller(bus_name);
        if (!may_read_workers(caller)) {
            // GetAll must still give ordinary users State, the counts and
            // StatusText: the table is left empty there, refused on Get.
            if (call && call->member == "GetAll") {
                return std::vector<WorkerRow>{};
            }
            throw sdbus_seam::make_error(error_access_denied,
                                         "the worker table is for root, uid " +
                                             std::to_string(callbacks_.reader_uid) + " and group " +
                                             std::to_string(callbacks_.reader_gid) + "; uid " +
                                             std::to_string(caller.uid) +
                                             " may read State, the counts "
                                             "and StatusText");
        }
        return rows(broker_.workers(callbacks_.now()));
    });
}
std::uint64_t BrokerObject::Generation() {
    return broker_.generation();
}

std::map<std::string, std::uint64_t> BrokerObject::Counters() {
    return callbacks_.counters ? callbacks_.counters() : std::map<std::string, std::uint64_t>{};
}

std::string BrokerObject::Version() {
    return proto::build_version();
}

} // namespace nb::dbus
