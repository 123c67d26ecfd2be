// 2. Relay latency, and 8. start-up, from fresh brokers (READY=1 goes upstream
// once per broker life). Per run: worker w-a is ready; the driver itself is
// worker w-b: it changes its STATUS a few times (each change is coalesced by
// the status interval: the figure is the delay beyond that interval), then
// sends READY=1, the last one the pool needs. Optionally a third process
// floods the socket meanwhile (under the default rate limit, as in production).

#include "scenarios.hpp"
#include "worker_pool.hpp"

#include <algorithm>
#include <stdexcept>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t interval_ns = 20'000'000; // status_interval = "20ms"
constexpr int status_samples_per_run = 3;

struct Samples {
    std::vector<std::int64_t> ready, status_excess, send_blocked, socket_ready, first_upstream;
};

/// Reads upstream until a datagram contains `token`; remembers when the last
/// STATUS before it arrived.
std::optional<Received> wait_for_text(UpstreamReceiver& upstream, std::string_view token,
                                      std::int64_t& last_status_at) {
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
        auto got = upstream.receive(10s);
        if (!got) {
            return std::nullopt;
        }
        if (got->text.find(token) != std::string::npos) {
            return got;
        }
        if (has_line(got->text, "STATUS=")) {
            last_status_at = got->at_ns;
        }
    }
    return std::nullopt;
}

void one_run(const Programs& programs, bool flood, Samples& samples) {
    BrokerOptions options;
    options.broker_keys = "status_interval = \"20ms\"\n";
    options.rest = "[[group]]\nname = \"pool\"\nexpect = 2\nmatch = [\"w-*\"]\n\n"
                   "[[group]]\nname = \"noise\"\nexpect = 1\nrequired = false\nmatch = [\"*\"]\n";
    BrokerRun broker(programs, options);
    samples.socket_ready.push_back(broker.socket_ready_ns());
    samples.first_upstream.push_back(broker.first_upstream_ns());
    auto& upstream = broker.upstream();
    std::int64_t last_status_at = 0;

    PoolSpec first;
    first.socket_path = broker.socket_path();
    first.workers = 1;
    first.hello = [](std::size_t) {
        return std::string("X_WORKER=w-a\nREADY=1");
    };
    WorkerPool worker_a(first);
    auto one_ready = upstream.wait_for_line("STATUS=1/2 workers ready", 10s);
    if (!one_ready) {
        throw std::runtime_error("no STATUS=1/2 upstream");
    }
    last_status_at = one_ready->at_ns;

    Child flooder;
    if (flood) {
        const std::string path = broker.socket_path();
        flooder = Child::fork([path] {
            UniqueFd socket = connect_datagram(path);
            for (std::uint64_t n = 0;; ++n) {
                if (!send_text(socket.get(), "X_WORKER=flood\nSTATUS=" + std::to_string(n))) {
                    return 1;
                }
            }
        });
        const auto flood_seen = wait_for_text(upstream, "flood starting", last_status_at);
        if (!flood_seen) {
            throw std::runtime_error("the flood never showed upstream");
        }
        last_status_at = flood_seen->at_ns; // that STATUS restarted the interval
    }

    UniqueFd me = connect_datagram(broker.socket_path());
    for (int i = 0; i < status_samples_per_run; ++i) {
        const std::string token =
            "s-" + std::to_string(i) + "-" + std::to_string(now_ns() % 1000000);
        const std::int64_t sent = now_ns();
        if (!send_text(me.get(), "X_WORKER=w-b\nSTATUS=" + token)) {
            throw std::runtime_error("send STATUS failed");
        }
        // A full socket queue (a flood) blocks the sender: part of what it sees.
        samples.send_blocked.push_back(now_ns() - sent);
        const std::int64_t prior = last_status_at;
        auto got = wait_for_text(upstream, token, last_status_at);
        if (!got) {
            throw std::runtime_error("STATUS change never reached upstream");
        }
        const std::int64_t allowed = std::max(sent, std::max(prior, last_status_at) + interval_ns);
        samples.status_excess.push_back(got->at_ns - allowed);
        last_status_at = got->at_ns;
    }

    const std::int64_t sent = now_ns();
    if (!send_text(me.get(), "X_WORKER=w-b\nREADY=1")) {
        throw std::runtime_error("send READY failed");
    }
    auto ready = upstream.wait_for_line("READY=1", 10s);
    if (!ready) {
        throw std::runtime_error("READY=1 never reached upstream");
    }
    samples.ready.push_back(ready->at_ns - sent);
}

void report_latency(Suite& suite, const std::string& scenario, Samples& s, std::int64_t target_ns,
                    const std::string& target) {
    const std::string runs = std::to_string(s.ready.size()) + " fresh brokers";
    const auto p50 = percentile(s.ready, 0.50);
    const auto p99 = percentile(s.ready, 0.99);
    suite.report.add({scenario, "READY=1 relay p50 / p99",
                      duration_text(p50) + " / " + duration_text(p99), "p99 " + target,
                      p99 <= target_ns, runs});
    const auto s50 = percentile(s.status_excess, 0.50);
    const auto s99 = percentile(s.status_excess, 0.99);
    suite.report.add({scenario, "STATUS relay beyond the 20 ms interval p50 / p99",
                      duration_text(s50) + " / " + duration_text(s99), "p99 " + target,
                      s99 <= target_ns,
                      std::to_string(s.status_excess.size()) + " coalesced changes"});
    const auto b99 = percentile(s.send_blocked, 0.99);
    suite.report.add({scenario,
                      "of which the worker's send() took, p99",
                      duration_text(b99),
                      "",
                      {},
                      "blocks only when the socket queue is full"});
}

} // namespace

void run_latency(Suite& suite) {
    const std::size_t runs = suite.pick(100, 8);
    Samples idle, flooded;
    for (std::size_t i = 0; i < runs; ++i) {
        one_run(suite.programs, false, idle);
    }
    for (std::size_t i = 0; i < runs; ++i) {
        one_run(suite.programs, true, flooded);
    }
    report_latency(suite, "2 latency, idle", idle, 1'000'000, "≤ 1 ms");
    report_latency(suite, "2 latency, flood", flooded, 5'000'000, "≤ 5 ms");

    auto& socket_ready = idle.socket_ready;
    auto& first_upstream = idle.first_upstream;
    suite.report.add({"8 start-up",
                      "exec → socket created p50 / p99",
                      duration_text(percentile(socket_ready, 0.5)) + " / " +
                          duration_text(percentile(socket_ready, 0.99)),
                      "",
                      {},
                      "inotify IN_CREATE, " + std::to_string(runs) + " starts"});
    suite.report.add({"8 start-up",
                      "exec → first upstream datagram p50 / p99",
                      duration_text(percentile(first_upstream, 0.5)) + " / " +
                          duration_text(percentile(first_upstream, 0.99)),
                      "",
                      {},
                      "the initial STATUS"});
}

} // namespace nb::bench
