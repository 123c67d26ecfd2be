// The broker relays one consolidated story upstream: STATUS as workers come up,
// READY=1 exactly once when the pool is ready, STOPPING=1 and exit 0 on SIGTERM.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>

#include <time.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using BrokerRelay = BrokerTest;

TEST_F(BrokerRelay, RelaysReadyOnceWhenEveryExpectedWorkerIsReady) {
    BrokerOptions options;
    options.args = {"--expect", "2", "--status-interval", "1ms"};
    broker_ = std::make_unique<BrokerProcess>(dir_, upstream_, options);
    ASSERT_TRUE(has_line(upstream_.history().at(0), "STATUS=0/2 workers ready"))
        << printable(upstream_.history().at(0));

    auto first = start_worker(broker_->socket_path(), {"X_WORKER=alpha\nREADY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("STATUS=1/2 workers ready", 5s));
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U);

    auto second = start_worker(broker_->socket_path(), {"X_WORKER=beta\nREADY=1"});
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(has_line(*ready, "STATUS=2/2 workers ready")) << printable(*ready);

    ASSERT_TRUE(first.wait_sent());
    ASSERT_TRUE(second.wait_sent());

    // The workers say READY again: systemd must not hear it twice.
    ASSERT_TRUE(send_with_barrier(broker_->socket_path(), {"X_WORKER=alpha\nREADY=1"}));

    EXPECT_EQ(broker_->terminate(), 0);
    ASSERT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    EXPECT_EQ(upstream_.count_line("READY=1"), 1U);
    EXPECT_EQ(upstream_.count_line("STOPPING=1"), 1U);
    expect_clean_exits(first, second);
}

std::int64_t monotonic_usec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t{now.tv_sec} * 1'000'000 + now.tv_nsec / 1000;
}

std::optional<std::int64_t> monotonic_usec_of(const std::string& datagram) {
    for (const auto& line : lines_of(datagram)) {
        if (line.starts_with("MONOTONIC_USEC=")) {
            return std::stoll(line.substr(15));
        }
    }
    return std::nullopt;
}

TEST_F(BrokerRelay, SendsEachStateChangeInADatagramOfItsOwnThroughReloadsAndTheStop) {
    // Within one datagram systemd lets STOPPING beat READY beat RELOADING: a
    // READY=1 next to RELOADING=1 would swallow the reload (Type=notify-reload).
    BrokerOptions options;
    options.args = {"--expect", "1", "--status-interval", "1ms"};
    options.env["WATCHDOG_USEC"] = "10000000"; // a ping rides along with READY=1
    auto& broker = start_broker(options);
    auto worker = start_worker(broker.socket_path(), {"X_WORKER=alpha\nREADY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(worker.wait_sent());

    for (int reload = 1; reload <= 3; ++reload) {
        const std::int64_t before = monotonic_usec();
        broker.signal(SIGHUP);
        const auto reloading = upstream_.wait_for_line("RELOADING=1", 5s);
        ASSERT_TRUE(reloading) << "reload " << reload;
        const auto usec = monotonic_usec_of(*reloading);
        ASSERT_TRUE(usec) << printable(*reloading);
        EXPECT_GE(*usec, before) << "MONOTONIC_USEC older than the signal";
        EXPECT_LE(*usec, monotonic_usec());
        ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s)) << "reload " << reload;
    }
    EXPECT_EQ(broker.terminate(), 0);
    ASSERT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));

    std::size_t reloads = 0;
    for (const auto& datagram : upstream_.history()) {
        int changes = 0;
        for (const char* change : {"READY=1", "RELOADING=1", "STOPPING=1"}) {
            changes += has_line(datagram, change) ? 1 : 0;
        }
        EXPECT_LE(changes, 1) << "state changes share a datagram: " << printable(datagram);
        reloads += has_line(datagram, "RELOADING=1") ? 1 : 0;
    }
    EXPECT_EQ(reloads, 3U);
    EXPECT_EQ(upstream_.count_line("READY=1"), 4U); // the start and each reload's end
    EXPECT_EQ(upstream_.count_line("STOPPING=1"), 1U);
    expect_clean_exits(worker);
}

} // namespace
} // namespace nb::test
