// `notify-broker metrics`: the broker's properties (GetAll, and the worker
// table where the broker shows it) rendered by the same renderer as the
// broker's metrics_file (proto/metrics.hpp), in the Prometheus text format or,
// with --openmetrics, OpenMetrics.

#include "inspect_commands.hpp"
#include "inspect_options.hpp"

#include <nb/proto/metrics.hpp>

#include <sdbus-c++/Error.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace nb::cli {

int metrics_main(int argc, char** argv) {
    // --openmetrics is this command's own; the rest are the inspect options.
    std::vector<char*> args;
    bool openmetrics = false;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && std::strcmp(argv[i], "--openmetrics") == 0) {
            openmetrics = true;
        } else {
            args.push_back(argv[i]);
        }
    }
    args.push_back(nullptr);
    InspectOptions options;
    const char* usage = "notify-broker metrics [--openmetrics] [OPTIONS...]\n\n"
                        "Print a running broker's metrics for Prometheus (text format 0.0.4;\n"
                        "--openmetrics: OpenMetrics 1.0). The per-worker series need the worker\n"
                        "table: root, the broker's user and its group see them.\n";
    if (const int rc = parse_inspect_options(static_cast<int>(args.size()) - 1, args.data(), usage,
                                             false, options);
        rc != 1) {
        return rc;
    }
    BrokerSnapshot snapshot;
    bool workers_read = false;
    const int fetched = report_bus_errors(options, [&] {
        auto connection = open_inspect_bus(options.bus);
        snapshot = fetch_snapshot(*connection, options.bus_name);
        try {
            fetch_workers(*connection, options.bus_name, snapshot);
            workers_read = true;
        } catch (const sdbus::Error& e) {
            if (e.getName() != "org.freedesktop.DBus.Error.AccessDenied") {
                throw;
            }
        }
        return 0;
    });
    if (fetched != 0) {
        return fetched;
    }
    const std::string out = proto::render_metrics(metrics_input(snapshot, workers_read),
                                                  openmetrics ? proto::MetricsFormat::openmetrics
                                                              : proto::MetricsFormat::prometheus);
    std::fputs(out.c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace nb::cli
