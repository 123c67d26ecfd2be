#pragma once
// Options shared by the inspection subcommands, and the bus they name.

#include "broker_snapshot.hpp"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace nb::cli {

struct InspectOptions {
    std::string bus = "system"; ///< system, session or a D-Bus address
    std::string bus_name = "org.notifybroker.Broker1";
    bool json = false;
    std::optional<unsigned long> count;    ///< watch: exit after N changes
    std::optional<double> timeout_seconds; ///< watch: exit 1 after this long without one
};

/// Parses argv (argv[0] = the subcommand). Returns 1 to go on, 0 after --help,
/// exit_usage after printing why. `watch` enables --count and --timeout.
int parse_inspect_options(int argc, char** argv, const char* usage, bool watch,
                          InspectOptions& options);

/// Connects to options.bus. Throws sdbus::Error.
std::unique_ptr<sdbus::IConnection> open_inspect_bus(const std::string& bus);

inline constexpr const char* broker_object_path = "/org/notifybroker/Broker1";
inline constexpr const char* broker_interface = "org.notifybroker.Broker1";

/// All the broker's properties in one Properties.GetAll call. Throws sdbus::Error.
BrokerSnapshot fetch_snapshot(sdbus::IConnection& connection, const std::string& bus_name);

/// The worker table alone (Properties.Get of Workers), applied to `snapshot`:
/// the broker gives it only to root, its own uid and its group (GetAll leaves it
/// empty for anyone else). Throws sdbus::Error (AccessDenied for them).
void fetch_workers(sdbus::IConnection& connection, const std::string& bus_name,
                   BrokerSnapshot& snapshot);

/// "notify-broker: cannot reach org.notifybroker.Broker1 on the system bus: why".
void print_bus_error(const InspectOptions& options, const std::string& why);

/// body()'s exit code; an exception leaving it (sdbus::Error or another) is
/// printed by print_bus_error and gives 1.
template <class Body>
int report_bus_errors(const InspectOptions& options, Body&& body) {
    try {
        return std::forward<Body>(body)();
    } catch (const sdbus::Error& e) {
        print_bus_error(options, e.getMessage().empty() ? e.getName() : e.getMessage());
    } catch (const std::exception& e) {
        print_bus_error(options, e.what());
    }
    return 1;
}

} // namespace nb::cli
