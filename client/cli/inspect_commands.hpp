#pragma once
// `notify-broker status|workers|watch`: inspection of a running broker over
// D-Bus (org.notifybroker.Broker1). Registered in subcommands.cpp when the CLI
// is built with sdbus-c++ (NB_HAVE_DBUS_INSPECT).

namespace nb::cli {

int status_main(int argc, char** argv);  // state, counts, status text
int workers_main(int argc, char** argv); // the worker table
int watch_main(int argc, char** argv);   // one line per PropertiesChanged
int metrics_main(int argc, char** argv); // Prometheus text (inspect_metrics.cpp)

} // namespace nb::cli
