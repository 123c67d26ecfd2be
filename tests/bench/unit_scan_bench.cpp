// What one look for a unit probe's units costs (shell/unit_scan: a
// synchronous walk of the cgroup tree, done once per interval by every probe
// attached to a unit glob), against the number of units. The tree is real
// cgroups when run as root with a writable cgroup2 (N populated units of the
// glob, each with a sleeping process, and N other units beside them), else a
// plain directory tree of the same shape whose cgroup.events are regular
// files (the walk's code is the same; kernfs's cost is not).
//
//   nb_unit_scan_bench [--benchmark_min_time=...]

#include "shell/unit_scan.hpp"
#include "suite/synthetic_units.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <unistd.h>

namespace {

/// The same layout as SyntheticUnits, as plain files (no root needed).
class PlainTree {
public:
    explicit PlainTree(std::size_t units) {
        char pattern[] = "/tmp/nb-unit-scan-XXXXXX";
        root_ = ::mkdtemp(pattern) != nullptr ? pattern : "";
        const auto make = [](const std::filesystem::path& dir, bool populated) {
            std::filesystem::create_directories(dir);
            std::ofstream(dir / "cgroup.events")
                << "populated " << (populated ? 1 : 0) << "\nfrozen 0\n";
        };
        for (std::size_t i = 0; i < units; ++i) {
            make(root_ + "/system.slice/other-" + std::to_string(i) + ".service", false);
            make(root_ + "/system.slice/system-bench.slice/bench@" + std::to_string(i + 1) +
                     ".service",
                 true);
        }
    }
    ~PlainTree() {
        std::error_code ec;
        std::filesystem::remove_all(root_, ec);
    }
    PlainTree(const PlainTree&) = delete;
    PlainTree& operator=(const PlainTree&) = delete;
    [[nodiscard]] const std::string& root() const noexcept { return root_; }

private:
    std::string root_;
};

struct Tree {
    std::unique_ptr<nb::bench::SyntheticUnits> cgroups;
    std::unique_ptr<PlainTree> plain;
    [[nodiscard]] const std::string& root() const {
        return cgroups ? cgroups->root() : plain->root();
    }
};

/// One tree per size, made once and kept for the process's life.
const Tree& tree_of(std::size_t units) {
    static std::map<std::size_t, Tree> trees;
    auto& tree = trees[units];
    if (!tree.cgroups && !tree.plain) {
        if (nb::bench::SyntheticUnits::unavailable().empty()) {
            tree.cgroups = std::make_unique<nb::bench::SyntheticUnits>(units, units);
        } else {
            tree.plain = std::make_unique<PlainTree>(units);
        }
    }
    return tree;
}

/// range(1) 0: a first look (every unit is new); 1: the steady state, where
/// the caller follows every unit already and says so (KnownUnit).
void FindRunningUnits(benchmark::State& state) {
    const auto units = static_cast<std::size_t>(state.range(0));
    const bool all_known = state.range(1) != 0;
    const Tree& tree = tree_of(units);
    const nb::daemon::KnownUnit known = [](std::string_view) {
        return true;
    };
    std::size_t found = 0;
    for (auto _ : state) {
        found = nb::daemon::find_running_units(tree.root(), "bench@*.service",
                                               all_known ? known : nb::daemon::KnownUnit{})
                    .size();
        benchmark::DoNotOptimize(found);
    }
    if (found != (all_known ? 0 : units)) {
        state.SkipWithError("the scan did not find every unit");
    }
    state.counters["per_unit_ns"] = benchmark::Counter(
        static_cast<double>(units),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    state.SetLabel(tree.cgroups ? "cgroup2" : "plain files");
}

BENCHMARK(FindRunningUnits)
    ->ArgNames({"units", "known"})
    ->ArgsProduct({{10, 100, 1000}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
