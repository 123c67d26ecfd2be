// `notify-broker status` and `notify-broker workers`: one Properties.GetAll
// call (and, for workers, a Properties.Get of the table, which the broker
// refuses to ordinary users), printed as text or JSON.

#include "inspect_commands.hpp"
#include "inspect_options.hpp"

#include <sdbus-c++/Error.h>

#include <cstdio>
#include <exception>

namespace nb::cli {
namespace {

enum class What { status, workers };

int inspect_main(int argc, char** argv, What what) {
    InspectOptions options;
    const char* usage = what == What::status
                            ? "notify-broker status [OPTIONS...]\n\n"
                              "Show a running broker's state, counts and status text.\n"
                            : "notify-broker workers [OPTIONS...]\n\n"
                              "Show a running broker's worker table.\n";
    if (const int rc = parse_inspect_options(argc, argv, usage, false, options); rc != 1) {
        return rc;
    }
    BrokerSnapshot snapshot;
    const int fetched = report_bus_errors(options, [&] {
        auto connection = open_inspect_bus(options.bus);
        snapshot = fetch_snapshot(*connection, options.bus_name);
        if (what == What::workers) {
            try {
                fetch_workers(*connection, options.bus_name, snapshot);
            } catch (const sdbus::Error& e) {
                if (e.getName() != "org.freedesktop.DBus.Error.AccessDenied") {
                    throw;
                }
                std::fprintf(stderr,
                             "notify-broker workers: %s does not show its worker table to this "
                             "user (root, the broker's user and the members of its group may "
                             "read it; `notify-broker status` shows the counts): %s\n",
                             options.bus_name.c_str(), e.getMessage().c_str());
                return 1;
            }
        }
        return 0;
    });
    if (fetched != 0) {
        return fetched;
    }
    std::string out;
    if (what == What::status) {
        out = options.json ? format_status_json(snapshot) + "\n" : format_status_text(snapshot);
    } else {
        out = options.json ? format_workers_json(snapshot.workers) + "\n"
                           : format_workers_text(snapshot.workers);
    }
    std::fputs(out.c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace

int status_main(int argc, char** argv) {
    return inspect_main(argc, argv, What::status);
}
int workers_main(int argc, char** argv) {
    return inspect_main(argc, argv, What::workers);
}

} // namespace nb::cli
