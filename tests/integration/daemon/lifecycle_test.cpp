// The broker's own life: SIGTERM, SIGHUP reloads, its watchdog towards systemd,
// silence when idle.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <signal.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using Lifecycle = BrokerTest;

TEST_F(Lifecycle, SIGTERMSendsStoppingLastAndExitsZeroRemovingItsSocket) {
    auto& broker = start_broker({"--expect", "1"});
    ASSERT_TRUE(std::filesystem::exists(broker.socket_path()));
    EXPECT_EQ(broker.terminate(), 0);
    const auto last = upstream_.wait_for_line("STOPPING=1", 5s);
    ASSERT_TRUE(last);
    EXPECT_FALSE(upstream_.next(0ms)) << "something was sent after STOPPING=1";
    EXPECT_FALSE(std::filesystem::exists(broker.socket_path()));
}

TEST_F(Lifecycle, SIGINTStopsLikeSIGTERM) {
    auto& broker = start_broker({"--expect", "1"});
    broker.signal(SIGINT);
    EXPECT_EQ(broker.wait_exit_code(10s), 0);
    EXPECT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
}

TEST_F(Lifecycle, SIGHUPRereadsTheConfigFileAndKeepsTheOldOneWhenItIsBroken) {
    BrokerOptions options;
    options.config = "[[group]]\nname = \"pool\"\nexpect = 2\n";
    options.args = {"--status-interval", "1ms"};
    auto& broker = start_broker(options);
    auto worker = start_worker(broker.socket_path(), {"X_WORKER=one\nREADY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("STATUS=1/2 workers ready", 5s));
    ASSERT_TRUE(worker.wait_sent());

    // Now one worker is enough: the reload itself makes the pool ready.
    dir_.write("broker.toml", "[[group]]\nname = \"pool\"\nexpect = 1\n");
    broker.signal(SIGHUP);
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready);
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);

    // Once ready, a reload is announced (Type=notify-reload) and answered.
    dir_.write("broker.toml", "[[group]]\nname = \"pool\"\nexpect = what\n");
    broker.signal(SIGHUP);
    const auto reloading = upstream_.wait_for_line("RELOADING=1", 5s);
    ASSERT_TRUE(reloading);
    EXPECT_EQ(upstream_.count_prefix("MONOTONIC_USEC="), 1U) << printable(*reloading);
    const auto answered = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(answered);
    EXPECT_NE(answered->find("broker.toml:3:"), std::string::npos) << printable(*answered);
    EXPECT_NE(broker.log().find("reload failed"), std::string::npos);

    EXPECT_EQ(broker.terminate(), 0);
    worker.close_stdin();
}

TEST_F(Lifecycle, WithWatchdogUsecTheBrokerPingsSystemdWhileThePoolIsHealthy) {
    BrokerOptions options;
    options.args = {"--expect", "1"};
    options.env["WATCHDOG_USEC"] = "200000"; // ping every 100 ms
    auto& broker = start_broker(options);
    auto worker = start_worker(broker.socket_path(), {"READY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(worker.wait_sent());
    for (int ping = 0; ping < 3; ++ping) {
        ASSERT_TRUE(upstream_.wait_for_line("WATCHDOG=1", 1s)) << "ping " << ping;
    }
    EXPECT_EQ(broker.terminate(), 0);
    worker.close_stdin();
}

TEST_F(Lifecycle, AnIdleBrokerDoesNotWakeUp) {
    auto& broker = start_broker({"--expect", "1", "--status-interval", "1ms"});
    auto worker = start_worker(broker.socket_path(), {"STATUS=idle"});
    ASSERT_TRUE(upstream_.wait_for_line(
        "STATUS=0/1 workers ready; pid:" + std::to_string(worker.pid()) + " starting (idle)", 5s))
        << printable(upstream_.history().back());
    ASSERT_TRUE(worker.wait_sent());
    // Let it finish what the worker's barrier started and go to sleep; from then
    // on, with nothing pending, it must not wake up at all.
    EXPECT_FALSE(upstream_.next(300ms)) << "an idle broker sent something";
    const long before = broker.context_switches();
    EXPECT_FALSE(upstream_.next(700ms)) << "an idle broker sent something";
    EXPECT_EQ(broker.context_switches(), before) << "the broker woke up while idle";
    worker.close_stdin();
}

} // namespace
} // namespace nb::test
