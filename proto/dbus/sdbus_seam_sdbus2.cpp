// The seam (nb/dbus/sdbus_seam.hpp) for sdbus-c++ 2.x (Debian 13: 2.1).
#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <utility>

namespace nb::dbus::sdbus_seam {

int major_version() noexcept {
    return 2;
}

sdbus::Error make_error(const std::string& name, const std::string& message) {
    return sdbus::Error(sdbus::Error::Name{name}, message);
}

std::unique_ptr<sdbus::IProxy> create_proxy(sdbus::IConnection& connection,
                                            const std::string& destination,
                                            const std::string& path) {
    return sdbus::createProxy(connection, sdbus::ServiceName{destination}, sdbus::ObjectPath{path});
}

std::unique_ptr<sdbus::IObject> create_object(sdbus::IConnection& connection,
                                              const std::string& path) {
    return sdbus::createObject(connection, sdbus::ObjectPath{path});
}

void request_name(sdbus::IConnection& connection, const std::string& name) {
    connection.requestName(sdbus::ServiceName{name});
}

sdbus::Signal create_signal(sdbus::IObject& object, const std::string& interface,
                            const std::string& member) {
    return object.createSignal(sdbus::InterfaceName{interface}, sdbus::SignalName{member});
}

sdbus::Slot add_match(sdbus::IConnection& connection, const std::string& rule,
                      std::function<void(sdbus::Message&)> handler) {
    return connection.addMatch(
        rule, [handler = std::move(handler)](sdbus::Message message) { handler(message); },
        sdbus::return_slot);
}

void finish_proxy_registration(sdbus::IProxy& /*proxy*/) {
    // 2.x registers each signal handler as it is set.
}

void add_methods(sdbus::IObject& object, const std::string& interface,
                 std::vector<RawMethod> methods) {
    std::vector<sdbus::VTableItem> vtable;
    vtable.reserve(methods.size());
    for (auto& m : methods) {
        sdbus::MethodVTableItem item{};
        item.name = sdbus::MethodName{std::move(m.name)};
        item.inputSignature = sdbus::Signature{std::move(m.input_signature)};
        item.outputSignature = sdbus::Signature{std::move(m.output_signature)};
        item.callbackHandler = std::move(m.handler);
        vtable.emplace_back(std::move(item));
    }
    object.addVTable(sdbus::InterfaceName{interface}, std::move(vtable));
}

PollState poll_state(const sdbus::IConnection& connection) {
    // 2.x also hands out an eventfd (PollData::eventFd) that it signals when
    // another thread queues a message; the project uses a connection from one
    // thread only, and sd-bus's own timeout is zero while anything is queued.
    const auto data = connection.getEventLoopPollData();
    const std::uint64_t timeout_usec = data.timeout == std::chrono::microseconds::max()
                                           ? UINT64_MAX
                                           : static_cast<std::uint64_t>(data.timeout.count());
    return PollState{data.fd, data.events, timeout_usec};
}

bool process_one(sdbus::IConnection& connection) {
    return connection.processPendingEvent();
}

CallTracker::CallTracker(sdbus::IObject& object) : handle_(&object.getConnection()) {}

std::optional<CurrentCall> CallTracker::current() const {
    // sd_bus_get_current_message() underneath: set for property getters too.
    const sdbus::Message call =
        static_cast<const sdbus::IConnection*>(handle_)->getCurrentlyProcessedMessage();
    if (!call.isValid()) {
        return std::nullopt;
    }
    const char* sender = call.getSender();
    const char* member = call.getMemberName();
    return CurrentCall{sender != nullptr ? sender : "", member != nullptr ? member : ""};
}

} // namespace nb::dbus::sdbus_seam
