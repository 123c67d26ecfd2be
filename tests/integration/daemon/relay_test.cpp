// The broker relays one consolidated story upstream: STATUS as workers come up,
// READY=1 exactly once when the pool is ready, STOPPING=1 and exit 0 on SIGTERM.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <csignal>

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

} // namespace
} // namespace nb::test
