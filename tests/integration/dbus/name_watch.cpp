#include "name_watch.hpp"

#include <systemd/sd-bus.h>

#include <cstdint>
#include <memory>

namespace nb::test {
namespace {

struct BusUnref {
    void operator()(sd_bus* bus) const noexcept { sd_bus_flush_close_unref(bus); }
};

struct Watch {
    bool owned_wanted = true;
    bool reached = false;
};

int on_owner_changed(sd_bus_message* m, void* userdata, sd_bus_error* /*error*/) {
    auto* watch = static_cast<Watch*>(userdata);
    const char* name = nullptr;
    const char* old_owner = nullptr;
    const char* new_owner = nullptr;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0) {
        const bool owned = new_owner != nullptr && new_owner[0] != '\0';
        watch->reached = watch->reached || owned == watch->owned_wanted;
    }
    return 0;
}

} // namespace

bool await_name(const std::string& address, const std::string& name, bool owned,
                std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    sd_bus* raw = nullptr;
    if (sd_bus_new(&raw) < 0) {
        return false;
    }
    std::unique_ptr<sd_bus, BusUnref> bus(raw);
    if (sd_bus_set_address(raw, address.c_str()) < 0 || sd_bus_set_bus_client(raw, 1) < 0 ||
        sd_bus_start(raw) < 0) {
        return false;
    }
    Watch watch;
    watch.owned_wanted = owned;
    const std::string rule = "type='signal',sender='org.freedesktop.DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" +
                             name + "'";
    if (sd_bus_add_match(raw, nullptr, rule.c_str(), on_owner_changed, &watch) < 0) {
        return false;
    }
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call_method(raw, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetNameOwner", &error, &reply, "s",
                                     name.c_str());
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    if ((r >= 0) == owned) {
        return true;
    }
    while (!watch.reached) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            return false;
        }
        const int processed = sd_bus_process(raw, nullptr);
        if (processed < 0) {
            return false;
        }
        if (processed > 0) {
            continue;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
        if (sd_bus_wait(raw, static_cast<std::uint64_t>(left)) < 0) {
            return false;
        }
    }
    return true;
}

} // namespace nb::test
