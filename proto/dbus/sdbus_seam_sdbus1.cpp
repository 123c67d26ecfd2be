// The seam (nb/dbus/sdbus_seam.hpp) for sdbus-c++ 1.x (Debian 12: 1.2).
#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/sdbus-c++.h>
#include <systemd/sd-bus.h>

#include <utility>

namespace nb::dbus::sdbus_seam {
namespace {

// 1.x says which message is being processed only inside method handlers
// (getCurrentlyProcessedMessage() is null in property getters), and keeps its
// sd_bus to itself. sd-bus knows both: the bus comes from any message of the
// connection, reached through Message's protected handle (a pointer to member
// named through a derived class is plain C++).
struct RawMessage : sdbus::Message {
    static sd_bus_message* of(const sdbus::Message& m) {
        return static_cast<sd_bus_message*>(m.*(&RawMessage::msg_));
    }
};

} // namespace

int major_version() noexcept {
    return 1;
}

sdbus::Error make_error(const std::string& name, const std::string& message) {
    return sdbus::Error(name, message);
}

std::unique_ptr<sdbus::IProxy> create_proxy(sdbus::IConnection& connection,
                                            const std::string& destination,
                                            const std::string& path) {
    return sdbus::createProxy(connection, destination, path);
}

std::unique_ptr<sdbus::IObject> create_object(sdbus::IConnection& connection,
                                              const std::string& path) {
    return sdbus::createObject(connection, path);
}

void request_name(sdbus::IConnection& connection, const std::string& name) {
    connection.requestName(name);
}

sdbus::Signal create_signal(sdbus::IObject& object, const std::string& interface,
                            const std::string& member) {
    return object.createSignal(interface, member);
}

sdbus::Slot add_match(sdbus::IConnection& connection, const std::string& rule,
                      std::function<void(sdbus::Message&)> handler) {
    return connection.addMatch(rule, std::move(handler));
}

void finish_proxy_registration(sdbus::IProxy& proxy) {
    proxy.finishRegistration();
}

void add_methods(sdbus::IObject& object, const std::string& interface,
                 std::vector<RawMethod> methods) {
    for (auto& m : methods) {
        object.registerMethod(interface, std::move(m.name), std::move(m.input_signature),
                              std::move(m.output_signature), std::move(m.handler));
    }
    object.finishRegistration();
}

PollState poll_state(const sdbus::IConnection& connection) {
    const auto data = connection.getEventLoopPollData();
    return PollState{data.fd, data.events, data.timeout_usec};
}

bool process_one(sdbus::IConnection& connection) {
    return connection.processPendingRequest();
}

CallTracker::CallTracker(sdbus::IObject& object) {
    const auto probe = object.createSignal("org.freedesktop.DBus.Peer", "Probe");
    handle_ = sd_bus_message_get_bus(RawMessage::of(probe));
}

std::optional<CurrentCall> CallTracker::current() const {
    sd_bus_message* call =
        handle_ != nullptr ? sd_bus_get_current_message(static_cast<sd_bus*>(handle_)) : nullptr;
    if (call == nullptr) {
        return std::nullopt;
    }
    const char* sender = sd_bus_message_get_sender(call);
    const char* member = sd_bus_message_get_member(call);
    return CurrentCall{sender != nullptr ? sender : "", member != nullptr ? member : ""};
}

} // namespace nb::dbus::sdbus_seam
