#pragma once
// RequestName and ReleaseName sent to the bus daemon as asynchronous calls
// (issue 14 point 4): sdbus-c++'s requestName() waits for the reply on the
// calling thread, and the loop must never wait for the bus daemon. Replies
// come through BusPump; destroying this object drops the calls pending, so no
// handler runs after it is gone.
// Thread-safety: the loop thread only.

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <functional>
#include <memory>
#include <string>

namespace nb::dbus {

class NameRequests {
public:
    /// Called with "" once the name is ours, else with why not.
    using DoneFn = std::function<void(const std::string& error)>;

    /// Throws sdbus::Error if the proxy cannot be made.
    explicit NameRequests(sdbus::IConnection& connection);

    /// Asks for `name` without queueing (as sd_bus_request_name(..., 0)): a
    /// name another connection owns is an error. Throws sdbus::Error.
    void request(const std::string& name, DoneFn done);
    /// Gives `name` up; the reply is not waited for. Throws sdbus::Error.
    void release(const std::string& name);

private:
    std::unique_ptr<sdbus::IProxy> proxy_;
};

} // namespace nb::dbus
