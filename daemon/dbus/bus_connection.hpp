#pragma once
// Opens the bus BusSettings::bus names. Thread-safety: none needed.

#include <sdbus-c++/IConnection.h>

#include <memory>
#include <string>

namespace nb::dbus {

/// "system" (sd_bus_open_system: DBUS_SYSTEM_BUS_ADDRESS or the standard
/// socket), "session" (DBUS_SESSION_BUS_ADDRESS / XDG_RUNTIME_DIR), or any D-Bus
/// address ("unix:path=/run/x", "unix:abstract=..."), connected as a bus client.
/// Blocks for the handshake (Hello). Throws sdbus::Error if the bus is absent or
/// refuses us.
[[nodiscard]] std::unique_ptr<sdbus::IConnection> open_bus(const std::string& bus);

} // namespace nb::dbus
