#include "bus_connection.hpp"

namespace nb::dbus {

std::unique_ptr<sdbus::IConnection> open_bus(const std::string& bus) {
    if (bus == "system") {
        return sdbus::createSystemBusConnection();
    }
    if (bus == "session") {
        return sdbus::createSessionBusConnection();
    }
    // sdbus-c++ 1.2's name for "a bus client at this address" (sd_bus_set_address +
    // sd_bus_set_bus_client): nothing session-specific about it.
    return sdbus::createSessionBusConnectionWithAddress(bus);
}

} // namespace nb::dbus
