#pragma once
// The exported /org/notifybroker/Broker1 object: D-Bus calls in, core::Broker
// events out; properties read from the Broker. A caller is a worker identified
// by the credentials the bus reports for its unique name (asked once per name,
// then cached until the name leaves the bus) and the name it passes.
// Thread-safety: the loop thread only (sd-bus dispatches from BusPump).

#include "core/broker.hpp"

#include <nb/dbus/broker1_adaptor.hpp>
#include <nb/proto/message.hpp>

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace nb::dbus {

inline constexpr const char* object_path = "/org/notifybroker/Broker1";

/// One row of the Workers property: name, group, source, pid, uid, state,
/// status, microseconds since the last ping (UINT64_MAX: never pinged).
using WorkerRow = sdbus::Struct<std::string, std::string, std::string, std::uint32_t, std::uint32_t,
                                std::string, std::string, std::uint64_t>;

class BrokerObject final : public sdbus::AdaptorInterfaces<org::notifybroker::Broker1_adaptor> {
public:
    struct Callbacks {
        std::function<core::TimePoint()> now;
        /// After every Broker::on_message(), accepted or not.
        std::function<void()> after_call;
        /// The caller's systemd unit from its pid ("" if none).
        std::function<std::string(pid_t)> unit_of;
        /// A refused call, for the log.
        std::function<void(const std::string&)> refused;
    };

    /// Exports the object. Throws sdbus::Error if the bus refuses.
    BrokerObject(sdbus::IConnection& connection, core::Broker& broker, Callbacks callbacks);
    ~BrokerObject();

    /// Forgets a bus name that left the bus. True if it had called us (the Broker
    /// may know it as a worker).
    bool forget(const std::string& bus_name);
    /// Every caller name we know, e.g. to tell the Broker they are gone with the bus.
    [[nodiscard]] std::vector<std::string> callers() const;

    /// Emits PropertiesChanged for these properties. Throws sdbus::Error.
    void emit_changed(const std::vector<std::string>& names);

    /// The rows of the Workers property (also what PropertiesChanged compares).
    [[nodiscard]] static std::vector<WorkerRow> rows(const std::vector<core::WorkerInfo>& workers);

private:
    struct Caller {
        pid_t pid = 0;
        uid_t uid = 0;
        gid_t gid = 0;
        std::string unit;
    };

    void Ready(const std::string& name) override;
    void SetStatus(const std::string& name, const std::string& text) override;
    void WatchdogPing(const std::string& name) override;
    void Stopping(const std::string& name) override;
    void Notify(const std::string& name,
                const std::map<std::string, std::string>& assignments) override;

    std::string State() override;
    std::uint32_t ReadyCount() override;
    std::uint32_t ExpectedCount() override;
    std::uint32_t KnownCount() override;
    std::string StatusText() override;
    std::vector<WorkerRow> Workers() override;
    std::uint64_t Generation() override;

    void handle(const std::string& name, std::vector<proto::Assignment> assignments);
    core::Sender current_sender();

    core::Broker& broker_;
    Callbacks callbacks_;
    std::unordered_map<std::string, Caller> callers_;
};

} // namespace nb::dbus
