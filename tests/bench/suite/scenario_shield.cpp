// 3. Shield: a flood of worker datagrams, every one an accepted STATUS change
// (the per-sender rate limit is lifted, the worst case), must leave systemd with
// at most one STATUS per status interval plus the watchdog pings.

#include "scenarios.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t status_interval_ns = 500'000'000; // the default
constexpr std::int64_t watchdog_usec = 1'000'000;        // pings every 0.5 s

} // namespace

void run_shield(Suite& suite) {
    const std::size_t flooders = 4;
    const std::size_t total = suite.pick(1'000'000, 100'000);
    const std::size_t each = total / flooders;

    BrokerOptions options;
    options.env = {"WATCHDOG_USEC=" + std::to_string(watchdog_usec)};
    options.rest = "[rate_limit]\nburst = 1000000\nper_second = 1000000\n\n"
                   "[[group]]\nname = \"pool\"\nexpect = 1\nrequired = false\n";
    BrokerRun broker(suite.programs, options);
    auto& upstream = broker.upstream();
    if (!has_line(broker.first_upstream(), "READY=1") && !upstream.wait_for_line("READY=1", 5s)) {
        throw std::runtime_error("shield: no READY=1 upstream");
    }

    int done[2];
    if (::pipe2(done, O_CLOEXEC) != 0) {
        fail_errno("pipe2");
    }
    UniqueFd done_read(done[0]);
    UniqueFd done_write(done[1]);
    std::vector<Child> children;
    const std::int64_t start = now_ns();
    for (std::size_t f = 0; f < flooders; ++f) {
        const std::string path = broker.socket_path();
        children.push_back(Child::fork([&, path, f] {
            UniqueFd socket = connect_datagram(path);
            const std::string prefix = "X_WORKER=flood-" + std::to_string(f) + "\nSTATUS=";
            for (std::size_t i = 0; i < each; ++i) {
                if (!send_text(socket.get(), prefix + std::to_string(i))) {
                    return 1;
                }
            }
            const bool ok = send_barrier(socket.get(), 60s);
            const char byte = 'd';
            [[maybe_unused]] auto n = ::write(done_write.get(), &byte, 1);
            return ok ? 0 : 2;
        }));
    }
    done_write.reset();

    // Collect upstream datagrams while the flood runs, and one status interval after.
    std::vector<std::int64_t> arrivals;
    std::size_t finished = 0;
    std::int64_t flood_end = 0;
    while (flood_end == 0 || now_ns() < flood_end + 2 * status_interval_ns) {
        // The receiver's own thread reads and timestamps; this loop collects.
        pollfd finished_entry{done_read.get(), POLLIN, 0};
        ::poll(&finished_entry, flood_end == 0 ? 1 : 0, 50);
        while (auto got = upstream.receive(flood_end == 0 ? 0ms : 50ms)) {
            arrivals.push_back(got->at_ns);
        }
        if (flood_end == 0 && (finished_entry.revents & POLLIN) != 0) {
            char byte = 0;
            if (::read(done_read.get(), &byte, 1) == 1 && ++finished == flooders) {
                flood_end = now_ns();
            }
        }
        if (now_ns() - start > 300'000'000'000) {
            throw std::runtime_error("shield: flood did not finish in 300 s");
        }
    }
    for (auto& child : children) {
        if (child.wait(10s).value_or(-1) != 0) {
            throw std::runtime_error("shield: a flooder failed");
        }
    }
    const BrokerSummary summary = broker.stop();

    // Most upstream datagrams in any 1 s window during the flood.
    std::size_t worst = 0;
    std::deque<std::int64_t> window;
    for (const auto at : arrivals) {
        window.push_back(at);
        while (at - window.front() >= 1'000'000'000) {
            window.pop_front();
        }
        worst = std::max(worst, window.size());
    }
    // One STATUS per interval and a ping per half watchdog; a flush can carry
    // both, so this bound is generous by design; +1 for the window's edge.
    const std::size_t allowed = static_cast<std::size_t>(1'000'000'000 / status_interval_ns) +
                                static_cast<std::size_t>(2'000'000 / watchdog_usec) + 1;
    const double seconds = static_cast<double>(flood_end - start) / 1e9;
    const std::uint64_t inbound = summary.received;
    const std::string scenario = "3 shield";
    suite.report.add({scenario,
                      "inbound datagrams (all accepted STATUS changes)",
                      std::to_string(inbound) + " in " + fixed(seconds, 2) + " s",
                      "",
                      {},
                      std::to_string(flooders) + " flooders, rate limit lifted"});
    suite.report.add({scenario, "upstream datagrams in the worst 1 s window", std::to_string(worst),
                      "≤ " + std::to_string(allowed), worst <= allowed,
                      "status_interval 500 ms, WATCHDOG_USEC 1 s"});
    suite.report.add({scenario,
                      "upstream ÷ inbound",
                      std::to_string(arrivals.size()) + " / " + std::to_string(inbound) + " = " +
                          fixed(static_cast<double>(arrivals.size()) /
                                    static_cast<double>(std::max<std::uint64_t>(inbound, 1)),
                                6),
                      "",
                      {},
                      ""});
}

} // namespace nb::bench
