// A pool worker that reports with the notify-broker client library: STATUS=
// while it starts, READY=1 after a delay, WATCHDOG=1 at half the interval the
// broker gave it (WATCHDOG_USEC/WATCHDOG_PID, sd_watchdog_enabled semantics),
// STOPPING=1 on SIGTERM or SIGINT.
//
//     nb-demo-client-worker NAME [START_DELAY_SECONDS]

#include <nb/client/environment.hpp>
#include <nb/client/notifier.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

using namespace std::chrono_literals;

// Waits up to `span` for SIGTERM/SIGINT (blocked, so they queue); true if one came.
bool stop_requested_within(const sigset_t& stop_signals, std::chrono::microseconds span) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(span);
    const timespec timeout{static_cast<std::time_t>(seconds.count()),
                           static_cast<long>((span - seconds).count() * 1000)};
    return sigtimedwait(&stop_signals, nullptr, &timeout) > 0;
}

void report(nb::client::Notifier& notifier, const std::string& name, const std::string& state) {
    const auto result = notifier.notify(state + "\nX_WORKER=" + name);
    if (!result)
        std::fprintf(stderr, "[%s] cannot notify: %s\n", name.c_str(), result.message().c_str());
}

} // namespace

int main(int argc, char** argv) {
    const std::string name = argc > 1 ? argv[1] : "client";
    const double delay = argc > 2 ? std::atof(argv[2]) : 1.0;

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

    nb::client::Notifier notifier; // $NOTIFY_SOCKET: the broker's socket
    // Read before anything else: unset, so our own children would not inherit it.
    const auto watchdog = nb::client::watchdog_enabled(true);
    const std::chrono::microseconds ping = watchdog ? *watchdog / 2 : 1s;

    report(notifier, name, "STATUS=loading data");
    const auto start_delay =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(delay));
    if (!stop_requested_within(stop_signals, start_delay)) {
        report(notifier, name, "READY=1\nSTATUS=serving");
        std::fprintf(stderr, "[%s] client library: READY=1 sent; watchdog %s, ping every %lld ms\n",
                     name.c_str(), watchdog ? "on" : "off",
                     static_cast<long long>(ping.count() / 1000));
        while (!stop_requested_within(stop_signals, ping))
            report(notifier, name, "WATCHDOG=1");
    }
    report(notifier, name, "STOPPING=1\nSTATUS=stopping");
    std::fprintf(stderr, "[%s] client library: stopping\n", name.c_str());
    return 0;
}
