#include "inspect_options.hpp"

#include "subcommand.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/sdbus-c++.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <getopt.h>

namespace nb::cli {

int parse_inspect_options(int argc, char** argv, const char* usage, bool watch,
                          InspectOptions& options) {
    enum { arg_bus = 0x100, arg_bus_name, arg_json, arg_count, arg_timeout };
    static const option long_options[] = {
        {"help", no_argument, nullptr, 'h'},
        {"bus", required_argument, nullptr, arg_bus},
        {"bus-name", required_argument, nullptr, arg_bus_name},
        {"json", no_argument, nullptr, arg_json},
        {"count", required_argument, nullptr, arg_count},
        {"timeout", required_argument, nullptr, arg_timeout},
        {nullptr, 0, nullptr, 0},
    };
    optind = 0; // a fresh scan: getopt may have run before (tests, send)
    int c = 0;
    while ((c = getopt_long(argc, argv, "h", long_options, nullptr)) >= 0) {
        switch (c) {
        case 'h':
            std::fputs(usage, stdout);
            std::fputs(
                "\n"
                "  -h --help            Show this help\n"
                "     --bus=BUS         system (default), session, or a D-Bus address\n"
                "     --bus-name=NAME   The broker's name (default org.notifybroker.Broker1)\n"
                "     --json            Machine-readable output\n",
                stdout);
            if (watch) {
                std::fputs("     --count=N         Exit after N changes\n"
                           "     --timeout=SECONDS Exit 1 if nothing changes for SECONDS\n",
                           stdout);
            }
            return 0;
        case arg_bus:
            options.bus = optarg;
            break;
        case arg_bus_name:
            options.bus_name = optarg;
            break;
        case arg_json:
            options.json = true;
            break;
        case arg_count:
        case arg_timeout: {
            if (!watch) {
                std::fprintf(stderr, "notify-broker %s: --count and --timeout are for watch\n",
                             argv[0]);
                return exit_usage;
            }
            char* end = nullptr;
            const double value = std::strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(value >= 0)) {
                std::fprintf(stderr, "notify-broker %s: bad number '%s'\n", argv[0], optarg);
                return exit_usage;
            }
            if (c == arg_count) {
                options.count = static_cast<unsigned long>(value);
            } else {
                options.timeout_seconds = value;
            }
            break;
        }
        default:
            return exit_usage; // getopt said why
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "notify-broker %s: unexpected argument '%s'\n", argv[0], argv[optind]);
        return exit_usage;
    }
    return 1;
}

std::unique_ptr<sdbus::IConnection> open_inspect_bus(const std::string& bus) {
    if (bus == "system") {
        return sdbus::createSystemBusConnection();
    }
    if (bus == "session") {
        return sdbus::createSessionBusConnection();
    }
    return sdbus::createSessionBusConnectionWithAddress(bus);
}

BrokerSnapshot fetch_snapshot(sdbus::IConnection& connection, const std::string& bus_name) {
    auto proxy = dbus::sdbus_seam::create_proxy(connection, bus_name, broker_object_path);
    std::map<std::string, sdbus::Variant> values;
    proxy->callMethod("GetAll")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(broker_interface))
        .storeResultsTo(values);
    BrokerSnapshot snapshot;
    snapshot.apply(values);
    return snapshot;
}

void fetch_workers(sdbus::IConnection& connection, const std::string& bus_name,
                   BrokerSnapshot& snapshot) {
    auto proxy = dbus::sdbus_seam::create_proxy(connection, bus_name, broker_object_path);
    sdbus::Variant workers;
    proxy->callMethod("Get")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string(broker_interface), std::string("Workers"))
        .storeResultsTo(workers);
    snapshot.apply({{"Workers", workers}});
}

void print_bus_error(const InspectOptions& options, const std::string& why) {
    std::fprintf(stderr, "notify-broker: cannot reach %s on the %s bus: %s\n",
                 options.bus_name.c_str(), options.bus.c_str(), why.c_str());
}

} // namespace nb::cli
