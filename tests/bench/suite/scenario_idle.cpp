// 5. Idle cost: with no traffic and no watchdog the broker must not wake up at
// all; with WATCHDOG_USEC set, once per ping (half the interval).

#include "scenarios.hpp"

#include <thread>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

struct IdleFigures {
    long wakeups = 0;
    std::size_t upstream = 0;
};

IdleFigures observe(const Programs& programs, std::chrono::milliseconds span,
                    std::int64_t watchdog_usec) {
    BrokerOptions options;
    // Nothing required: READY=1 (and with it the pings) go at once.
    options.rest = "[[group]]\nname = \"pool\"\nexpect = 1\nrequired = false\n";
    if (watchdog_usec > 0) {
        options.env = {"WATCHDOG_USEC=" + std::to_string(watchdog_usec)};
    }
    BrokerRun broker(programs, options);
    // Let the start-up flushes pass: they are not idle time.
    while (broker.upstream().receive(100ms)) {
    }
    const long before = voluntary_switches(broker.pid());
    IdleFigures figures;
    // Measuring a time span: here the waiting *is* the experiment.
    const auto end = Clock::now() + span;
    while (Clock::now() < end) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - Clock::now());
        if (broker.upstream().receive(left)) {
            ++figures.upstream;
        }
    }
    figures.wakeups = voluntary_switches(broker.pid()) - before;
    return figures;
}

} // namespace

void run_idle(Suite& suite) {
    const auto span = std::chrono::milliseconds(suite.pick(10'000, 2'000));
    const std::string seconds = std::to_string(span.count() / 1000) + " s";
    const IdleFigures quiet = observe(suite.programs, span, 0);
    suite.report.add(
        {"5 idle", "wake-ups in " + seconds + ", no watchdog", std::to_string(quiet.wakeups), "0",
         quiet.wakeups == 0,
         "voluntary_ctxt_switches; upstream datagrams: " + std::to_string(quiet.upstream)});
    constexpr std::int64_t watchdog_usec = 200'000; // a ping every 100 ms
    const IdleFigures pinging = observe(suite.programs, span, watchdog_usec);
    const long expected = span.count() * 1000 / (watchdog_usec / 2);
    suite.report.add(
        {"5 idle", "wake-ups in " + seconds + ", WATCHDOG_USEC=200ms",
         std::to_string(pinging.wakeups) + " (pings: " + std::to_string(pinging.upstream) + ")",
         "= pings (" + std::to_string(expected) + ")",
         pinging.wakeups <= static_cast<long>(pinging.upstream) + 1 &&
             pinging.upstream + 1 >= static_cast<std::size_t>(expected),
         "one wake-up per ping"});
}

} // namespace nb::bench
