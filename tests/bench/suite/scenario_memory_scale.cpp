// 4. Memory (RSS idle, and per registered worker) and 6. scale (broker CPU per
// datagram with 10 / 1 000 / 10 000 registered workers, each a real process
// sending WATCHDOG=1), plus the fd limit systemd gives services by default.

#include "scenarios.hpp"
#include "worker_pool.hpp"

#include <algorithm>
#include <regex>
#include <stdexcept>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

struct ScalePoint {
    std::size_t workers = 0;
    long rss_before_kib = 0;
    long rss_after_kib = 0;
    double cpu_ns_per_registration = 0;
    double cpu_ns_per_datagram = 0;
    std::uint64_t datagrams = 0;
    double per_wakeup = 0; ///< datagrams handled per broker wake-up during the round
};

std::string pool_config(std::size_t workers) {
    return "[rate_limit]\nburst = 1000000\nper_second = 1000000\n\n"
           "[[group]]\nname = \"pool\"\nexpect = " +
           std::to_string(workers) + "\nmatch = [\"s-*\"]\nwatchdog = \"1h\"\n";
}

ScalePoint measure(const Programs& programs, std::size_t workers, std::size_t round_total) {
    BrokerOptions options;
    options.broker_keys = "max_workers = 20000\n";
    options.rest = pool_config(workers);
    BrokerRun broker(programs, options);
    ScalePoint point;
    point.workers = workers;
    point.rss_before_kib = rss_kib(broker.pid());

    PoolSpec spec;
    spec.socket_path = broker.socket_path();
    spec.workers = workers;
    spec.hello = [](std::size_t i) {
        return "X_WORKER=s-" + std::to_string(i) + "\nREADY=1";
    };
    // The same 10 workers send in every pool size: only the registry grows.
    spec.active = std::min<std::size_t>(workers, 10);
    spec.round = std::max<std::size_t>(1, round_total / spec.active);
    spec.round_text = "WATCHDOG=1";
    const std::int64_t cpu_start = cpu_ns(broker.pid());
    WorkerPool pool(spec);
    if (!broker.upstream().wait_for_line("READY=1", 120s)) {
        throw std::runtime_error("scale: the pool of " + std::to_string(workers) +
                                 " never became ready");
    }
    const std::int64_t cpu_registered = cpu_ns(broker.pid());
    point.rss_after_kib = rss_kib(broker.pid());
    point.cpu_ns_per_registration =
        static_cast<double>(cpu_registered - cpu_start) / static_cast<double>(workers);

    UniqueFd me = connect_datagram(broker.socket_path());
    const long wakeups_before = voluntary_switches(broker.pid());
    if (!pool.go(120s) || !send_barrier(me.get(), 60s)) {
        throw std::runtime_error("scale: the round did not complete");
    }
    point.datagrams = spec.active * spec.round;
    point.per_wakeup =
        static_cast<double>(point.datagrams) /
        static_cast<double>(std::max(1L, voluntary_switches(broker.pid()) - wakeups_before));
    point.cpu_ns_per_datagram = static_cast<double>(cpu_ns(broker.pid()) - cpu_registered) /
                                static_cast<double>(point.datagrams);
    const auto summary = broker.stop();
    if (summary.accepted < workers + point.datagrams) {
        throw std::runtime_error("scale: broker accepted " + std::to_string(summary.accepted) +
                                 ", expected " + std::to_string(workers + point.datagrams));
    }
    return point;
}

/// Workers registered when the broker runs with systemd's default soft fd limit.
unsigned registered_under_fd_limit(const Programs& programs, std::size_t workers) {
    BrokerOptions options;
    options.broker_keys = "max_workers = 20000\nstatus_interval = \"10ms\"\n";
    options.rest = pool_config(workers);
    options.nofile_soft = 1024;
    BrokerRun broker(programs, options);
    PoolSpec spec;
    spec.socket_path = broker.socket_path();
    spec.workers = workers;
    spec.hello = [](std::size_t i) {
        return "X_WORKER=s-" + std::to_string(i) + "\nREADY=1";
    };
    WorkerPool pool(spec);
    UniqueFd me = connect_datagram(broker.socket_path());
    send_barrier(me.get(), 60s);
    // The trailing STATUS after the last change says how many made it.
    unsigned ready = 0;
    const std::regex counts("STATUS=([0-9]+)/");
    while (auto got = broker.upstream().receive(300ms)) {
        std::smatch match;
        if (std::regex_search(got->text, match, counts)) {
            ready = static_cast<unsigned>(std::stoul(match[1]));
        }
    }
    return ready;
}

} // namespace

void run_memory_and_scale(Suite& suite) {
    const std::vector<std::size_t> sizes = suite.quick ? std::vector<std::size_t>{10, 100, 1000}
                                                       : std::vector<std::size_t>{10, 1000, 10000};
    const std::size_t round_total = suite.pick(100'000, 10'000);
    std::vector<ScalePoint> points;
    for (const auto n : sizes) {
        points.push_back(measure(suite.programs, n, round_total));
    }
    suite.report.add({"4 memory", "RSS at idle",
                      fixed(points.front().rss_before_kib / 1024.0, 2) + " MiB", "≤ 8 MiB",
                      points.front().rss_before_kib <= 8 * 1024, "fresh broker"});
    const ScalePoint& big = points.back();
    const double per_worker = static_cast<double>(big.rss_after_kib - big.rss_before_kib) * 1024.0 /
                              static_cast<double>(big.workers);
    suite.report.add({"4 memory",
                      "RSS with " + std::to_string(big.workers) + " workers",
                      fixed(big.rss_after_kib / 1024.0, 2) + " MiB",
                      "",
                      {},
                      "X_WORKER names, no status text"});
    suite.report.add({"4 memory", "bytes per registered worker", fixed(per_worker, 0) + " B",
                      "≤ 1024 B", per_worker <= 1024.0, "RSS delta ÷ workers"});
    for (const auto& point : points) {
        suite.report.add({"6 scale",
                          std::to_string(point.workers) + " workers: CPU per WATCHDOG=1",
                          fixed(point.cpu_ns_per_datagram / 1e3, 2) + " µs",
                          "flat",
                          {},
                          std::to_string(point.datagrams) + " datagrams from 10 of the workers, " +
                              fixed(point.per_wakeup, 1) + " per wake-up"});
    }
    for (const auto& point : points) {
        suite.report.add({"6 scale",
                          std::to_string(point.workers) + " workers: CPU per new worker",
                          fixed(point.cpu_ns_per_registration / 1e3, 2) + " µs",
                          "",
                          {},
                          "hello + registration"});
    }
    const double flatness = points.back().cpu_ns_per_datagram / points.front().cpu_ns_per_datagram;
    suite.report.add({"6 scale", "largest ÷ smallest pool, CPU per datagram", fixed(flatness, 2),
                      "≈ 1 (≤ 1.5)", flatness <= 1.5, ""});

    const std::size_t limited = suite.pick(2000, 1100);
    const unsigned made_it = registered_under_fd_limit(suite.programs, limited);
    suite.report.add({"4 memory",
                      "workers registered with RLIMIT_NOFILE soft 1024 (systemd's default)",
                      std::to_string(made_it) + " of " + std::to_string(limited), "all",
                      made_it == limited, "one pidfd per worker"});
}

} // namespace nb::bench
