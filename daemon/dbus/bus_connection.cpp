#include "dbus/bus_connection.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/Error.h>
#include <systemd/sd-bus.h>

#include <cstring>
#include <string>

namespace nb::dbus {
namespace {

// sdbus-c++ 1.2 leaks its sd_bus (about 2 KB) when connecting to a custom
// address fails, and the broker retries an absent bus for as long as it runs.
// So try the address with plain sd-bus first, which cleans up after itself.
void probe_address(const std::string& address) {
    sd_bus* bus = nullptr;
    int r = sd_bus_new(&bus);
    if (r >= 0) {
        r = sd_bus_set_address(bus, address.c_str());
    }
    if (r >= 0) {
        r = sd_bus_set_bus_client(bus, 1);
    }
    if (r >= 0) {
        r = sd_bus_start(bus);
    }
    sd_bus_flush_close_unref(bus);
    if (r < 0) {
        throw sdbus_seam::make_error("org.freedesktop.DBus.Error.NoServer",
                                     "cannot connect to " + address + ": " + std::strerror(-r));
    }
}

} // namespace

std::unique_ptr<sdbus::IConnection> open_bus(const std::string& bus) {
    if (bus == "system") {
        return sdbus::createSystemBusConnection();
    }
    if (bus == "session") {
        return sdbus::createSessionBusConnection();
    }
    probe_address(bus);
    // sdbus-c++ 1.2's name for "a bus client at this address" (sd_bus_set_address +
    // sd_bus_set_bus_client): nothing session-specific about it.
    return sdbus::createSessionBusConnectionWithAddress(bus);
}

} // namespace nb::dbus
