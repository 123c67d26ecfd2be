// `notify-broker watch`: the broker's state now, then one line per
// PropertiesChanged (the broker coalesces them like its STATUS=), until
// SIGINT/SIGTERM, --count changes, --timeout without one, or the broker leaves
// the bus (exit 1). Runs sd-bus on a plain poll(2) loop.

#include "inspect_commands.hpp"
#include "inspect_options.hpp"
#include "stop_signals.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>

#include <poll.h>

namespace nb::cli {
namespace {

void print_line(const std::string& line) {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout); // scripts follow it line by line
}

} // namespace

int watch_main(int argc, char** argv) {
    InspectOptions options;
    if (const int rc = parse_inspect_options(argc, argv,
                                             "notify-broker watch [OPTIONS...]\n\n"
                                             "Print a running broker's state, then a line per "
                                             "change.\n",
                                             true, options);
        rc != 1) {
        return rc;
    }
    const sigset_t wait_mask = install_stop_handlers();

    return report_bus_errors(options, [&]() -> int {
        auto connection = open_inspect_bus(options.bus);
        BrokerSnapshot snapshot;
        unsigned long changes = 0;
        bool broker_left = false;

        // Subscribe before reading, so no change falls between the two; changes
        // older than the snapshot are recognised by their Generation.
        auto proxy =
            dbus::sdbus_seam::create_proxy(*connection, options.bus_name, broker_object_path);
        proxy->uponSignal("PropertiesChanged")
            .onInterface("org.freedesktop.DBus.Properties")
            .call([&](const std::string& interface,
                      const std::map<std::string, sdbus::Variant>& changed,
                      const std::vector<std::string>& invalidated) {
                if (interface != broker_interface) {
                    return;
                }
                if (const auto g = changed.find("Generation");
                    g != changed.end() && g->second.get<std::uint64_t>() <= snapshot.generation) {
                    return;
                }
                snapshot.apply(changed);
                std::vector<std::string> names;
                for (const auto& [name, value] : changed) {
                    names.push_back(name);
                }
                // The broker never puts the worker table in a signal (not every
                // bus user may read it): ask for it, if we may.
                if (std::find(invalidated.begin(), invalidated.end(), "Workers") !=
                    invalidated.end()) {
                    names.emplace_back("Workers");
                    if (options.json) {
                        try {
                            fetch_workers(*connection, options.bus_name, snapshot);
                        } catch (const sdbus::Error&) {
                            // not ours to read: the counts still say how many
                        }
                    }
                }
                print_line(format_change(snapshot, names, options.json));
                ++changes;
            });
        dbus::sdbus_seam::finish_proxy_registration(*proxy);
        auto owner_watch = dbus::sdbus_seam::add_match(
            *connection,
            "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
            "member='NameOwnerChanged',arg0='" +
                options.bus_name + "'",
            [&](sdbus::Message& m) {
                std::string name, old_owner, new_owner;
                m >> name >> old_owner >> new_owner;
                broker_left = broker_left || new_owner.empty();
            });

        snapshot = fetch_snapshot(*connection, options.bus_name);
        print_line(format_change(snapshot, {}, options.json));

        using clock = std::chrono::steady_clock;
        auto last_change = clock::now();
        unsigned long seen = 0;
        while (stop_signal() == 0) {
            while (dbus::sdbus_seam::process_one(*connection)) {
            }
            if (changes != seen) {
                seen = changes;
                last_change = clock::now();
            }
            if (options.count && changes >= *options.count) {
                return 0;
            }
            if (broker_left) {
                std::fprintf(stderr, "notify-broker: %s left the bus\n", options.bus_name.c_str());
                return 1;
            }
            int timeout_ms = connection->getEventLoopPollData().getPollTimeout();
            if (options.timeout_seconds) {
                const auto deadline =
                    last_change + std::chrono::duration_cast<clock::duration>(
                                      std::chrono::duration<double>(*options.timeout_seconds));
                const auto left =
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now())
                        .count();
                if (left <= 0) {
                    std::fprintf(stderr, "notify-broker: no change for %g s\n",
                                 *options.timeout_seconds);
                    return 1;
                }
                timeout_ms = timeout_ms < 0 ? static_cast<int>(left)
                                            : std::min(timeout_ms, static_cast<int>(left));
            }
            const auto data = connection->getEventLoopPollData();
            pollfd pfd{data.fd, data.events, 0};
            timespec wait{timeout_ms / 1000, (timeout_ms % 1000) * 1'000'000L};
            if (ppoll(&pfd, 1, timeout_ms < 0 ? nullptr : &wait, &wait_mask) < 0 &&
                errno != EINTR) {
                std::perror("notify-broker: ppoll");
                return 1;
            }
        }
        return 0;
    });
}

} // namespace nb::cli
