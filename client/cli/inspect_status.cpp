// `notify-broker status` and `notify-broker workers`: one Properties.GetAll
// call, printed as text or JSON.

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
