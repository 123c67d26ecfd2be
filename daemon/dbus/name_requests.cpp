#include "dbus/name_requests.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace nb::dbus {
namespace {

// org.freedesktop.DBus.RequestName's flags and replies (D-Bus specification).
constexpr std::uint32_t do_not_queue = 4;
constexpr std::uint32_t primary_owner = 1;
constexpr std::uint32_t already_owner = 4;

} // namespace

NameRequests::NameRequests(sdbus::IConnection& connection)
    : proxy_(
          sdbus_seam::create_proxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")) {
    sdbus_seam::finish_proxy_registration(*proxy_);
}

void NameRequests::request(const std::string& name, DoneFn done) {
    proxy_->callMethodAsync("RequestName")
        .onInterface("org.freedesktop.DBus")
        .withArguments(name, do_not_queue)
        .uponReplyInvoke([name, done = std::move(done)](sdbus_seam::ReplyError error,
                                                        std::uint32_t reply) {
            if (error) {
                done(error->getMessage() + " (" + error->getName() + ")");
            } else if (reply == primary_owner || reply == already_owner) {
                done({});
            } else {
                done("the name " + name + " is owned by another connection (RequestName reply " +
                     std::to_string(reply) + ")");
            }
        });
}

void NameRequests::release(const std::string& name) {
    proxy_->callMethodAsync("ReleaseName")
        .onInterface("org.freedesktop.DBus")
        .withArguments(name)
        .uponReplyInvoke([](sdbus_seam::ReplyError /*error*/, std::uint32_t /*reply*/) {
            // Nothing to do either way: the name is no longer served from here.
        });
}

} // namespace nb::dbus
