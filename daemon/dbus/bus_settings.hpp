#pragma once
// Which bus the broker's D-Bus object goes on, under which name ([dbus] in the
// config file, --bus on the command line).

#include <string>

namespace nb::daemon {

struct BusSettings {
    /// "system", "session", "none", or a D-Bus address ("unix:path=...").
    std::string bus = "system";
    /// Well-known name; an instance suffix keeps several brokers apart.
    std::string name = "org.notifybroker.Broker1";
};

} // namespace nb::daemon
