#pragma once
// The exported /org/notifybroker/Broker1 object: D-Bus calls in, core::Broker
// events out; properties read from the Broker. A caller is a worker identified
// by what the bus daemon vouches for its unique name (GetConnectionCredentials,
// asked once per name, then cached until the name leaves the bus; see
// dbus/caller_identity.hpp) and the name it passes.
// The worker table (Workers) is for root, the broker's own uid and members of
// the broker's group only: Properties.Get of it is AccessDenied for anyone
// else, their GetAll carries it empty, and PropertiesChanged never carries it
// (it is listed as invalidated: whoever may read it asks with Get).
// The credentials are asked with a synchronous call bounded by
// credentials_timeout, once per caller: sd-bus property getters cannot wait.
// Thread-safety: the loop thread only (sd-bus dispatches from BusPump).

#include "core/broker.hpp"
#include "dbus/caller_identity.hpp"

#include <nb/dbus/broker1_adaptor.hpp>
#include <nb/dbus/sdbus_seam.hpp>
#include <nb/proto/message.hpp>

#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace nb::dbus {

inline constexpr const char* object_path = "/org/notifybroker/Broker1";
/// The longest the loop waits for the bus daemon's word on a new caller.
inline constexpr std::chrono::milliseconds credentials_timeout{250};
/// Callers remembered at once (each is a live connection on the bus); a call
/// from one more is LimitsExceeded.
inline constexpr std::size_t max_callers = 16384;

/// One row of the Workers property: name, group, source, pid, uid, state,
/// status, microseconds since the last ping (UINT64_MAX: never pinged), failure
/// (WorkerInfo::failure: ERRNO= and the like; empty if nothing).
using WorkerRow = sdbus::Struct<std::string, std::string, std::string, std::uint32_t, std::uint32_t,
                                std::string, std::string, std::uint64_t, std::string>;

class BrokerObject final : public sdbus::AdaptorInterfaces<org::notifybroker::Broker1_adaptor> {
public:
    struct Callbacks {
        std::function<core::TimePoint()> now;
        /// After every Broker::on_message(), accepted or not.
        std::function<void()> after_call;
        /// The caller's systemd unit from its pid ("" if none).
        std::function<std::string(pid_t)> unit_of;
        /// The shell's counters (the Counters property). May be empty: none.
        std::function<std::map<std::string, std::uint64_t>()> counters;
        /// A refused call, for the log.
        std::function<void(const std::string&)> refused;
        /// Who besides root may read Workers: this uid and the members of this
        /// group (the daemon's own euid and egid).
        uid_t reader_uid = 0;
        gid_t reader_gid = 0;
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
    using Caller = CallerIdentity;

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
    std::map<std::string, std::uint64_t> Counters() override;
    std::string Version() override;

    void handle(const std::string& name, std::vector<proto::Assignment> assignments);
    core::Sender current_sender();
    /// The identity of the caller of the message being processed (asked of
    /// the bus the first time). Throws sdbus::Error.
    const Caller& current_caller(std::string& bus_name);
    [[nodiscard]] bool may_read_workers(const Caller& caller) const;

    core::Broker& broker_;
    Callbacks callbacks_;
    std::unordered_map<std::string, Caller> callers_;
    std::unique_ptr<sdbus::IProxy> bus_daemon_;
    /// Which call a getter serves (sdbus-c++ 1.x tells method handlers only).
    sdbus_seam::CallTracker calls_;
};

} // namespace nb::dbus
