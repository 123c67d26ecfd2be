// Many calls at once: every one is answered, PropertiesChanged stays coalesced,
// and the loop keeps turning for the socket side meanwhile. Prints figures.

#include "broker_harness.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(BusLoad, ThousandsOfPipelinedCallsAreAllAnsweredWithCoalescedSignals) {
    core::BrokerConfig config;
    config.groups.front().expected = 1;
    config.status_interval = 100ms;
    config.rate_limit.burst = 1'000'000; // measure the D-Bus path, not the limiter
    config.rate_limit.per_second = 1'000'000;
    BrokerHarness h(config);
    auto watcher = h.client();
    auto worker = h.client();
    ASSERT_EQ(worker->call(h.loop, "Ready", std::string("web-1")), "");
    h.loop.run_until([&] { return !watcher->changes.empty(); });
    const std::size_t signals_before = watcher->changes.size();

    // The longest time the loop went without a turn while the calls were served.
    struct Turns {
        Clock::time_point last = Clock::now();
        Clock::duration longest{};
    } turns;
    uv_check_t check{};
    uv_check_init(h.loop.get(), &check);
    check.data = &turns;
    uv_check_start(&check, [](uv_check_t* c) {
        auto* t = static_cast<Turns*>(c->data);
        const auto now = Clock::now();
        t->longest = std::max(t->longest, now - t->last);
        t->last = now;
    });

    constexpr int calls = 5000;
    int answered = 0;
    int failed = 0;
    const auto start = Clock::now();
    std::string first_error;
    int sent = 0;
    // dbus-daemon caps the replies a connection may await (128 by default):
    // keep a window of calls in flight, as a busy client would.
    constexpr int window = 100;
    std::function<void()> send_next = [&] {
        const int i = sent++;
        auto on_reply = [&](dbus::sdbus_seam::ReplyError e) {
            ++answered;
            if (e) {
                ++failed;
                if (first_error.empty()) {
                    first_error = e->getName() + ": " + e->getMessage();
                }
            }
            if (sent < calls) {
                send_next();
            }
        };
        // One expression per call: sdbus-c++'s invoker keeps references to its
        // arguments (method and interface names) until the call is sent.
        if (i % 2 == 0) {
            worker->proxy()
                .callMethodAsync("WatchdogPing")
                .onInterface(broker_interface)
                .withArguments(std::string("web-1"))
                .uponReplyInvoke(on_reply);
        } else {
            worker->proxy()
                .callMethodAsync("SetStatus")
                .onInterface(broker_interface)
                .withArguments(std::string("web-1"), "step " + std::to_string(i))
                .uponReplyInvoke(on_reply);
        }
    };
    for (int i = 0; i < window; ++i) {
        send_next();
    }
    ASSERT_TRUE(h.loop.run_until([&] { return answered == calls; }, 60s));
    const auto elapsed = Clock::now() - start;
    turns.longest = std::max(turns.longest, Clock::duration{});
    uv_close(reinterpret_cast<uv_handle_t*>(&check), nullptr);
    h.loop.run_until([] { return false; }, 300ms); // the trailing PropertiesChanged

    const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
    const std::size_t signals = watcher->changes.size() - signals_before;
    std::printf("[ FIGURES  ] %d D-Bus calls answered in %.0f ms (%.0f calls/s), %d refused; "
                "%zu PropertiesChanged; longest loop turn %.1f ms\n",
                calls, ms, calls / (ms / 1000.0), failed, signals,
                std::chrono::duration<double, std::milli>(turns.longest).count());
    EXPECT_EQ(failed, 0) << first_error;
    // Coalesced at status_interval: bounded by time, not by the number of calls.
    EXPECT_LE(signals, static_cast<std::size_t>(ms / 100.0) + 3);
    EXPECT_LT(turns.longest, 500ms) << "a D-Bus flood must not starve the loop";

    watcher.reset();
    worker.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusLoad, OneCallAtATimeRoundTripsQuickly) {
    core::BrokerConfig config;
    config.rate_limit.burst = 1'000'000;
    config.rate_limit.per_second = 1'000'000;
    BrokerHarness h(config);
    auto worker = h.client();
    ASSERT_EQ(worker->call(h.loop, "Ready", std::string("web-1")), "");

    constexpr int calls = 1000;
    const auto start = Clock::now();
    for (int i = 0; i < calls; ++i) {
        ASSERT_EQ(worker->call(h.loop, "WatchdogPing", std::string("web-1")), "");
    }
    const double us =
        std::chrono::duration<double, std::micro>(Clock::now() - start).count() / calls;
    std::printf("[ FIGURES  ] D-Bus WatchdogPing round trip (client and broker on one loop, "
                "through dbus-daemon): %.0f us mean over %d calls\n",
                us, calls);
    EXPECT_LT(us, 5000.0); // generous: a loaded 2-core CI machine, maybe ASan
    worker.reset();
    EXPECT_EQ(h.finish(), 0);
}

} // namespace
} // namespace nb::test
