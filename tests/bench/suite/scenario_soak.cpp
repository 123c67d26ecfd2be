// 12. Soak (issue 14, point 6, its datagram half): many worker lives through
// one broker. A pool of 100 slots; each life of a slot is a fresh process that
// sends "X_WORKER=soak-<slot>\nREADY=1", 9 x WATCHDOG=1 and a BARRIER=1
// (answered only once everything before it was processed), then exits, and
// the slot's next life starts. 1 000 000 lives = 10 000 000 datagrams in the
// full run (--only soak: it takes a long while, so it is not part of the
// default run); the quick run does 2 000 lives. Broker RSS, open fds and the
// ready count it reports upstream at start, middle and end; every datagram of
// every life must be accepted (the broker's own count at exit).

#include "scenarios.hpp"

#include <filesystem>
#include <map>
#include <regex>
#include <stdexcept>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t slots = 100;
constexpr std::size_t pings_per_life = 9;

long open_fds(pid_t pid) {
    std::error_code error;
    long count = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", error), end;
         !error && it != end; it.increment(error)) {
        ++count;
    }
    return error ? -1 : count;
}

struct Sample {
    long rss_kib = 0;
    long fds = 0;
    long ready = -1; ///< from the newest upstream STATUS ("N/100 workers ready")
};

// The newest "STATUS=N/" upstream, draining what arrived until a quiet spell.
long newest_ready(UpstreamReceiver& upstream, long previous) {
    static const std::regex counts("STATUS=([0-9]+)/");
    long ready = previous;
    while (auto got = upstream.receive(ready < 0 ? 700ms : 0ms)) {
        std::smatch match;
        if (std::regex_search(got->text, match, counts)) {
            ready = std::stol(match[1]);
        }
    }
    return ready;
}

Sample sample(BrokerRun& broker, long& ready) {
    ready = newest_ready(broker.upstream(), ready);
    return {rss_kib(broker.pid()), open_fds(broker.pid()), ready};
}

int one_life(const std::string& path, std::size_t slot) {
    UniqueFd socket = connect_datagram(path);
    if (!send_text(socket.get(), "X_WORKER=soak-" + std::to_string(slot) + "\nREADY=1")) {
        return 1;
    }
    for (std::size_t i = 0; i < pings_per_life; ++i) {
        if (!send_text(socket.get(), "WATCHDOG=1")) {
            return 1;
        }
    }
    return send_barrier(socket.get(), 60s) ? 0 : 2;
}

std::string text_of(const Sample& s) {
    return std::to_string(s.rss_kib) + " KiB, " + std::to_string(s.fds) + " fds, " +
           (s.ready < 0 ? std::string("-") : std::to_string(s.ready)) + " ready";
}

} // namespace

void run_soak(Suite& suite) {
    const std::size_t lives = suite.pick(1'000'000, 2'000);
    BrokerOptions options;
    // Production settings except the rate limit (every datagram accepted) and
    // a status interval short enough to read the ready count at each sample.
    options.broker_keys = "status_interval = \"50ms\"\n";
    options.rest = "[rate_limit]\nburst = 1000000\nper_second = 1000000\n\n"
                   "[[group]]\nname = \"soak\"\nexpect = " +
                   std::to_string(slots) + "\nmatch = [\"soak-*\"]\n";
    BrokerRun broker(suite.programs, options);
    long ready = -1;
    const Sample at_start = sample(broker, ready);

    std::map<pid_t, std::pair<Child, std::size_t>> running; // pid -> the life, its slot
    std::size_t started = 0;
    std::size_t failed = 0;
    Sample at_middle;
    const std::int64_t begin = now_ns();
    const std::int64_t cpu_begin = cpu_ns(broker.pid());
    const auto start_life = [&](std::size_t slot) {
        const std::string path = broker.socket_path();
        Child child = Child::fork([path, slot] { return one_life(path, slot); });
        const pid_t pid = child.pid();
        running.emplace(pid, std::make_pair(std::move(child), slot));
        ++started;
    };
    for (std::size_t slot = 0; slot < slots && started < lives; ++slot) {
        start_life(slot);
    }
    while (!running.empty()) {
        // Which child ended, without reaping it: the broker is a child too.
        siginfo_t info{};
        if (::waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0) {
            fail_errno("soak: waitid");
        }
        const auto it = running.find(info.si_pid);
        if (it == running.end()) {
            throw std::runtime_error("soak: process " + std::to_string(info.si_pid) +
                                     " (the broker?) exited during the soak");
        }
        const std::size_t slot = it->second.second;
        const auto code = it->second.first.wait(1s);
        running.erase(it);
        if (code != 0) {
            ++failed;
        }
        if (started == lives / 2 && at_middle.fds == 0) {
            at_middle = sample(broker, ready);
        }
        if (started < lives) {
            start_life(slot);
        }
    }
    const std::int64_t took = now_ns() - begin;
    const std::int64_t cpu_used = cpu_ns(broker.pid()) - cpu_begin;
    // The last exits reach the broker through its pidfd watches: wait until
    // its fd count is back where it started (bounded).
    Sample at_end = sample(broker, ready);
    for (int i = 0; i < 50 && at_end.fds > at_start.fds; ++i) {
        at_end = sample(broker, ready);
        ::usleep(100'000);
    }
    const auto summary = broker.stop();
    // READY=1 and the pings; each life's BARRIER=1 comes on top.
    const std::uint64_t datagrams = lives * (1 + pings_per_life);
    const std::string scenario = "12 soak";
    suite.report.add(
        {scenario, "worker lives / datagrams",
         std::to_string(lives) + " / " + std::to_string(datagrams), "", std::nullopt,
         std::to_string(slots) + " slots, " + duration_text(took) + ", broker CPU " +
             fixed(static_cast<double>(cpu_used) / static_cast<double>(datagrams) / 1e3, 2) +
             " µs/datagram"});
    suite.report.add({scenario, "broker at start / middle / end",
                      text_of(at_start) + " / " + text_of(at_middle) + " / " + text_of(at_end),
                      "flat", std::nullopt, "RSS, open fds, ready count upstream"});
    const bool flat = at_end.fds <= at_start.fds && at_end.rss_kib <= at_middle.rss_kib + 1024;
    suite.report.add({scenario, "RSS and fds flat (end ≤ middle + 1 MiB, fds back to start)",
                      flat ? "yes" : "no", "yes", flat, ""});
    const bool none_lost = failed == 0 && summary.accepted >= datagrams;
    suite.report.add({scenario, "datagrams accepted by the broker (its exit count)",
                      std::to_string(summary.accepted) + " of " + std::to_string(datagrams), "all",
                      none_lost, std::to_string(failed) + " lives failed (a send or barrier)"});
}

} // namespace nb::bench
