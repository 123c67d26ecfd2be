#include "dbus/restored_callers.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <utility>

namespace nb::dbus {

void RestoredCallers::adopt(std::vector<std::string> bus_names) {
    for (std::string& name : bus_names) {
        if (names_.insert(name).second) {
            unchecked_.push_back(std::move(name));
        }
    }
}

void RestoredCallers::check(sdbus::IConnection& connection, GoneHandler on_gone) {
    if (unchecked_.empty()) {
        return;
    }
    if (!proxy_) {
        proxy_ =
            sdbus_seam::create_proxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        sdbus_seam::finish_proxy_registration(*proxy_);
    }
    std::vector<std::string> names;
    names.swap(unchecked_);
    for (const std::string& name : names) {
        if (!names_.contains(name)) {
            continue; // it left or called meanwhile
        }
        proxy_->callMethodAsync("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(name)
            .uponReplyInvoke(
                [this, name, on_gone](sdbus_seam::ReplyError error, std::string owner) {
                    // A unique name is its own owner while its connection lives;
                    // NameHasNoOwner (or any error) means it is gone.
                    if ((error || owner != name) && forget(name)) {
                        on_gone(name);
                    }
                });
    }
}

std::vector<std::string> RestoredCallers::take_all() {
    std::vector<std::string> all(names_.begin(), names_.end());
    names_.clear();
    unchecked_.clear();
    return all;
}

void RestoredCallers::disconnect() noexcept {
    proxy_.reset();
    // Names whose reply never came are asked again on the next connection.
    for (const std::string& name : names_) {
        unchecked_.push_back(name);
    }
}

} // namespace nb::dbus
