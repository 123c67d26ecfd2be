#pragma once
// D-Bus workers taken back from the fd store after a restart (issue 14): their
// connections may have outlived the old broker, but the new one has never seen
// them call. Each unique name is asked of the bus once, asynchronously
// (GetNameOwner: the loop never waits for the bus daemon), after the
// NameOwnerChanged match is in place, so a caller that leaves in between is
// caught by one or the other: a name without an owner is a worker gone. Until
// such a worker calls again, its name is remembered here, so that its
// NameOwnerChanged counts.
// Thread-safety: the loop thread only (replies come through BusPump).

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace nb::dbus {

class RestoredCallers {
public:
    /// Called for a restored name the bus says has no owner any more.
    using GoneHandler = std::function<void(const std::string& bus_name)>;

    /// Names to check on the next connection (a second call adds to them).
    void adopt(std::vector<std::string> bus_names);
    /// Asks the bus about every name adopted and not checked yet. Throws
    /// sdbus::Error if the proxy cannot be made.
    void check(sdbus::IConnection& connection, GoneHandler on_gone);
    /// A restored name left the bus (NameOwnerChanged) or called again (now
    /// a caller like any other): true if it was one of ours.
    bool forget(const std::string& bus_name) { return names_.erase(bus_name) > 0; }
    /// Every restored name still remembered, and forgets them (the bus went
    /// away, so did their connections).
    [[nodiscard]] std::vector<std::string> take_all();
    /// Drops the proxy (before its connection goes). Pending replies are lost;
    /// the names stay, to be checked on the next connection.
    void disconnect() noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }

private:
    std::unordered_set<std::string> names_;
    std::vector<std::string> unchecked_;
    std::unique_ptr<sdbus::IProxy> proxy_;
};

} // namespace nb::dbus
