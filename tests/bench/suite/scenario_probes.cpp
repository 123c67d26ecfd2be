// 13. Probe cost (issue 15): a real broker with N health probes at a 1 s
// interval, N in {0, 10, 50, 100}, of each kind (tcp to a local listener, http
// to a local server, exec of /bin/true), and 100 tcp probes attached to a unit
// glob matching 100 running units (real cgroups, root only). Over a fixed
// window: the broker's CPU time (its CPU clock: every thread), its wake-ups
// (voluntary + involuntary context switches), RSS and fds; per probe run and
// against the broker without probes measured in the same round. Rounds
// repeat (min and median): CPU time holds up when other work shares the
// machine, wall-clock figures would not.

#include "loopback_server.hpp"
#include "proc_sample.hpp"
#include "scenarios.hpp"
#include "synthetic_units.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

enum class Kind { none, tcp, http, exec, unit };

constexpr std::array<Kind, 3> plain_kinds{Kind::tcp, Kind::http, Kind::exec};

const char* name_of(Kind kind) noexcept {
    switch (kind) {
    case Kind::none:
        return "none";
    case Kind::tcp:
        return "tcp";
    case Kind::http:
        return "http";
    case Kind::exec:
        return "exec /bin/true";
    case Kind::unit:
        return "tcp, unit glob";
    }
    return "?";
}

/// One broker's window. Trivially copyable: the unit case measures in a
/// forked child (its own mount namespace) and sends this back through a pipe.
struct Figures {
    std::int64_t window_ns = 0;
    std::int64_t cpu_ns = 0;
    std::int64_t children_cpu_ns = 0;
    long wakeups = 0;
    long voluntary = 0;
    std::uint64_t runs = 0;
    bool runs_counted = false; ///< false: runs = probes × intervals (exec: nothing counts them)
    long rss_kib = 0;
    long fds = 0;
    long threads = 0;
    std::array<char, 240> error{}; ///< non-empty: the measurement failed (forked case)

    [[nodiscard]] double seconds() const noexcept { return static_cast<double>(window_ns) / 1e9; }
    [[nodiscard]] double cpu_per_run_ns() const noexcept {
        return runs == 0 ? 0 : static_cast<double>(cpu_ns) / static_cast<double>(runs);
    }
    [[nodiscard]] double wakeups_per_second() const noexcept {
        return static_cast<double>(wakeups) / seconds();
    }
    [[nodiscard]] double core_percent() const noexcept {
        return 100.0 * static_cast<double>(cpu_ns) / static_cast<double>(window_ns);
    }
};

std::string probe_entry(Kind kind, const std::string& target, int port) {
    std::string entry = "[[probe]]\n" + target + "interval = \"1s\"\n";
    switch (kind) {
    case Kind::tcp:
    case Kind::unit:
        return entry + "kind = \"tcp\"\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n";
    case Kind::http:
        return entry + "kind = \"http\"\nurl = \"http://127.0.0.1:" + std::to_string(port) +
               "/health\"\n";
    case Kind::exec:
        return entry + "kind = \"exec\"\ncommand = [\"/bin/true\"]\n";
    case Kind::none:
        break;
    }
    return {};
}

std::string config_of(Kind kind, std::size_t probes, int port) {
    if (kind == Kind::none || probes == 0) {
        // Nothing required: READY=1 goes at once, then the broker is idle.
        return "[[group]]\nname = \"pool\"\nexpect = 1\nrequired = false\n";
    }
    std::string config = "[[group]]\nname = \"pool\"\nexpect = " + std::to_string(probes) + "\n";
    if (kind == Kind::unit) {
        return config + probe_entry(kind, "unit = \"" + SyntheticUnits::glob() + "\"\n", port);
    }
    for (std::size_t i = 0; i < probes; ++i) {
        config += probe_entry(kind, "worker = \"p-" + std::to_string(i) + "\"\n", port);
    }
    return config;
}

Figures measure(const Programs& programs, Kind kind, std::size_t probes,
                std::chrono::milliseconds window) {
    std::unique_ptr<LoopbackServer> server;
    if (kind == Kind::tcp || kind == Kind::unit) {
        server = std::make_unique<LoopbackServer>(LoopbackServer::Mode::tcp);
    } else if (kind == Kind::http) {
        server = std::make_unique<LoopbackServer>(LoopbackServer::Mode::http);
    }
    BrokerOptions options;
    options.rest = config_of(kind, probes, server ? server->port() : 0);
    BrokerRun broker(programs, options);
    // READY=1 may be the first datagram, which BrokerRun has read already.
    if (!has_line(broker.first_upstream(), "READY=1") &&
        !broker.upstream().wait_for_line("READY=1", 60s)) {
        throw std::runtime_error(std::string("probes (") + name_of(kind) + ", " +
                                 std::to_string(probes) + "): never ready; log:\n" +
                                 broker.log_text());
    }
    // Every probe ran once just now (that made the pool ready); start the
    // window half an interval later, so it holds exactly window/interval
    // rounds of runs. Measuring a time span: the waiting is the experiment.
    std::this_thread::sleep_for(500ms);
    const std::uint64_t served_before = server ? server->served() : 0;
    const ProcSample before = sample_process(broker.pid());
    const std::int64_t start = now_ns();
    std::this_thread::sleep_for(window);
    const ProcSample after = sample_process(broker.pid());
    Figures figures;
    figures.window_ns = now_ns() - start;
    if (before.cpu_ns < 0 || after.cpu_ns < 0 || after.wakeups() < 0) {
        throw std::runtime_error("probes: the broker's /proc entries are unreadable");
    }
    figures.cpu_ns = after.cpu_ns - before.cpu_ns;
    figures.children_cpu_ns = after.children_cpu_ns - before.children_cpu_ns;
    figures.wakeups = after.wakeups() - before.wakeups();
    figures.voluntary = after.voluntary - before.voluntary;
    figures.rss_kib = after.rss_kib;
    figures.fds = after.fds;
    figures.threads = after.threads;
    if (server) {
        figures.runs = server->served() - served_before;
        figures.runs_counted = true;
    } else if (kind == Kind::exec) {
        figures.runs = probes * static_cast<std::uint64_t>(window / 1s);
    }
    broker.stop();
    return figures;
}

/// The unit case: a mount namespace of its own, where /sys/fs/cgroup is the
/// synthetic tree, so the broker's cgroup2 root holds exactly its units.
Figures measure_units(const Programs& programs, std::size_t units,
                      std::chrono::milliseconds window) {
    SyntheticUnits tree(units, units);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        fail_errno("pipe2");
    }
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    Child child = Child::fork([&]() -> int {
        Figures figures;
        try {
            if (::unshare(CLONE_NEWNS) != 0 ||
                ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                ::mount(tree.root().c_str(), "/sys/fs/cgroup", nullptr, MS_BIND, nullptr) != 0) {
                fail_errno("a mount namespace with " + tree.root() + " on /sys/fs/cgroup");
            }
            figures = measure(programs, Kind::unit, units, window);
        } catch (const std::exception& error) {
            std::strncpy(figures.error.data(), error.what(), figures.error.size() - 1);
        }
        return ::write(write_end.get(), &figures, sizeof(figures)) == sizeof(figures) ? 0 : 1;
    });
    write_end.reset();
    Figures figures;
    pollfd entry{read_end.get(), POLLIN, 0};
    const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(window + 120s);
    if (::poll(&entry, 1, static_cast<int>(limit.count())) != 1 ||
        ::read(read_end.get(), &figures, sizeof(figures)) != sizeof(figures)) {
        throw std::runtime_error("probes (unit glob): the measuring child sent no figures");
    }
    child.wait(10s);
    if (figures.error[0] != '\0') {
        throw std::runtime_error(figures.error.data());
    }
    return figures;
}

/// Median (upper) and minimum of one figure over the rounds.
struct Spread {
    double median = 0;
    double min = 0;
};

Spread spread(std::vector<double> values) {
    if (values.empty()) {
        return {};
    }
    std::sort(values.begin(), values.end());
    return {values[values.size() / 2], values.front()};
}

std::string us(double ns) {
    return fixed(ns / 1e3, 1) + " µs";
}

} // namespace

void run_probes(Suite& suite) {
    const auto window = std::chrono::milliseconds(suite.pick(20'000, 1'000));
    const std::size_t rounds = suite.pick(3, 1);
    const std::vector<std::size_t> counts =
        suite.quick ? std::vector<std::size_t>{10} : std::vector<std::size_t>{10, 50, 100};
    const std::size_t units = suite.pick(100, 10);
    const std::string why_no_units = SyntheticUnits::unavailable();

    // [round] -> figures, per (kind, probes); rounds interleave every case, so
    // a change of the machine's load spreads over all of them alike.
    std::map<std::pair<Kind, std::size_t>, std::vector<Figures>> results;
    for (std::size_t round = 0; round < rounds; ++round) {
        results[{Kind::none, 0}].push_back(measure(suite.programs, Kind::none, 0, window));
        for (const Kind kind : plain_kinds) {
            for (const std::size_t probes : counts) {
                results[{kind, probes}].push_back(measure(suite.programs, kind, probes, window));
            }
        }
        if (why_no_units.empty()) {
            results[{Kind::unit, units}].push_back(measure_units(suite.programs, units, window));
        }
    }

    const std::string span = std::to_string(window.count() / 1000.0).substr(0, 4) + " s window";
    const std::string of_rounds = "median (min) of " + std::to_string(rounds);
    const auto& idle = results[{Kind::none, 0}];
    {
        std::vector<double> cpu, wakeups;
        for (const auto& f : idle) {
            cpu.push_back(static_cast<double>(f.cpu_ns));
            wakeups.push_back(f.wakeups_per_second());
        }
        const auto c = spread(cpu);
        const auto w = spread(wakeups);
        suite.report.add({"13 probes (idle)",
                          "no probes: CPU in the window · wake-ups/s",
                          us(c.median) + " · " + fixed(w.median, 2),
                          "",
                          {},
                          of_rounds + ", " + span + "; min " + us(c.min) + " · " + fixed(w.min, 2) +
                              "; RSS " + std::to_string(idle.back().rss_kib) + " KiB, " +
                              std::to_string(idle.back().fds) + " fds"});
    }
    for (const auto& [key, figures] : results) {
        const auto [kind, probes] = key;
        if (kind == Kind::none) {
            continue;
        }
        std::vector<double> per_run, core, wakeups, wake_per_run, child_per_run, wake_ratio;
        for (std::size_t round = 0; round < figures.size(); ++round) {
            const Figures& f = figures[round];
            per_run.push_back(f.cpu_per_run_ns());
            core.push_back(f.core_percent());
            wakeups.push_back(f.wakeups_per_second());
            wake_per_run.push_back(
                f.runs == 0 ? 0 : static_cast<double>(f.wakeups) / static_cast<double>(f.runs));
            child_per_run.push_back(f.runs == 0 ? 0
                                                : static_cast<double>(f.children_cpu_ns) /
                                                      static_cast<double>(f.runs));
            const double idle_wakeups = idle[round].wakeups_per_second();
            wake_ratio.push_back(idle_wakeups > 0 ? f.wakeups_per_second() / idle_wakeups : 0);
        }
        const Figures& last = figures.back();
        const auto c = spread(per_run);
        const auto w = spread(wakeups);
        const auto ratio = spread(wake_ratio);
        std::string note = of_rounds + ", " + span + "; " + fixed(spread(core).median, 3) +
                           " % of a core; " + fixed(spread(wake_per_run).median, 2) +
                           " wake-ups per run; " + std::to_string(last.runs) + " runs" +
                           (last.runs_counted ? " (served)" : " (scheduled)") + "; RSS " +
                           std::to_string(last.rss_kib) + " KiB, " + std::to_string(last.fds) +
                           " fds, " + std::to_string(last.threads) + " threads";
        if (kind == Kind::exec) {
            note +=
                "; the /bin/true child itself: " + us(spread(child_per_run).median) + " per run";
        }
        note += ratio.median > 0 ? "; wake-ups " + fixed(ratio.median, 1) + "× idle"
                                 : "; idle had 0 wake-ups";
        suite.report.add(
            {std::string("13 probes (") + name_of(kind) + ")",
             std::to_string(probes) + " probes at 1 s: broker CPU per run · wake-ups/s",
             us(c.median) + " (" + us(c.min) + ") · " + fixed(w.median, 1) + " (" +
                 fixed(w.min, 1) + ")",
             "",
             {},
             note});
    }
    if (!why_no_units.empty()) {
        suite.report.add({"13 probes (tcp, unit glob)", "not measured", "-", "", {}, why_no_units});
    } else if (const auto plain = results.find({Kind::tcp, units}); plain != results.end()) {
        std::vector<double> ratio;
        const auto& unit = results[{Kind::unit, units}];
        for (std::size_t round = 0; round < unit.size(); ++round) {
            ratio.push_back(unit[round].cpu_per_run_ns() / plain->second[round].cpu_per_run_ns());
        }
        suite.report.add(
            {"13 probes (tcp, unit glob)",
             "unit-attached ÷ plain tcp probes, CPU per run (" + std::to_string(units) + " each)",
             fixed(spread(ratio).median, 2),
             "",
             {},
             "the difference is the unit scan and the cgroup watches"});
    }
}

} // namespace nb::bench
