// nb-bench-suite: runs the performance scenarios against real notify-brokerd
// processes and prints one Markdown table. Figures are reported, never
// asserted: the exit status is 0 unless a scenario could not run at all.
//
//   nb-bench-suite --brokerd PATH --cli PATH [--systemd-notify PATH]
//                  [--quick] [--only NAME[,NAME...]]
// NAME: ingest latency shield memory idle cli (latency includes start-up,
// memory includes scale), soak and probes (only when named).

#include "scenarios.hpp"

#include <csignal>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace {

int usage() {
    std::cerr << "usage: nb-bench-suite --brokerd PATH --cli PATH [--systemd-notify PATH]"
                 " [--quick] [--only ingest,latency,shield,memory,idle,cli,soak,probes]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    nb::bench::Suite suite;
    suite.programs.systemd_notify = "/usr/bin/systemd-notify";
    std::set<std::string> only;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            return i + 1 < argc ? argv[++i] : "";
        };
        if (arg == "--brokerd") {
            suite.programs.brokerd = value();
        } else if (arg == "--cli") {
            suite.programs.cli = value();
        } else if (arg == "--systemd-notify") {
            suite.programs.systemd_notify = value();
        } else if (arg == "--quick") {
            suite.quick = true;
        } else if (arg == "--only") {
            std::stringstream list(value());
            for (std::string name; std::getline(list, name, ',');) {
                only.insert(name);
            }
        } else {
            return usage();
        }
    }
    if (suite.programs.brokerd.empty() || suite.programs.cli.empty()) {
        return usage();
    }
    std::signal(SIGPIPE, SIG_IGN);

    const std::vector<std::pair<std::string, std::function<void(nb::bench::Suite&)>>> scenarios{
        {"ingest", nb::bench::run_ingest}, {"latency", nb::bench::run_latency},
        {"shield", nb::bench::run_shield}, {"memory", nb::bench::run_memory_and_scale},
        {"idle", nb::bench::run_idle},     {"cli", nb::bench::run_cli},
        {"soak", nb::bench::run_soak},     {"probes", nb::bench::run_probes},
    };
    // The soak and the probe costs run only when named: their full sizes take long.
    const std::set<std::string> only_when_named{"soak", "probes"};
    int failures = 0;
    for (const auto& [name, run] : scenarios) {
        if ((!only.empty() || only_when_named.contains(name)) && !only.contains(name)) {
            continue;
        }
        std::cerr << "nb-bench-suite: " << name << "..." << std::endl;
        const auto start = nb::bench::now_ns();
        try {
            run(suite);
        } catch (const std::exception& error) {
            ++failures;
            suite.report.add({name, "could not run", "-", "", false, error.what()});
        }
        std::cerr << "nb-bench-suite: " << name << " took "
                  << nb::bench::duration_text(nb::bench::now_ns() - start) << std::endl;
    }
    suite.report.print(std::cout);
    return failures == 0 ? 0 : 1;
}
