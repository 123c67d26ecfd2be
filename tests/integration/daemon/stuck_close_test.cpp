// A worker sends an fd whose close() hangs (as a FUSE file whose FLUSH is
// never answered): the broker closes it off its loop, so other workers, and
// its own watchdog towards systemd, go on being served.

#include "support/broker_test.hpp"
#include "support/raw_sender.hpp"
#include "support/worker.hpp"

#include <nb/test/stuck_close.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using AStuckClose = BrokerTest;

TEST_F(AStuckClose, OfAWorkersFdDoesNotStopTheLoopOrTheWatchdog) {
    BrokerOptions options;
    options.args = {"--expect", "1"};
    options.env["WATCHDOG_USEC"] = "400000"; // a ping every 200 ms while healthy
    auto& broker = start_broker(options);
    auto worker = start_worker(broker.socket_path(), {"READY=1"});
    ASSERT_TRUE(worker.wait_sent());
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));

    {
        StuckCloseSocket stuck(8s);
        auto fd = stuck.take();
        RawSender sender(broker.socket_path());
        const std::array<int, 1> fds{fd.get()};
        ASSERT_EQ(sender.send("X_NOTE=an fd the broker closes", fds), 0);
        fd.reset(); // the broker now holds the last reference: its close hangs 8 s
        const auto start = Clock::now();
        ASSERT_TRUE(barrier(broker.socket_path()));
        drain_upstream();
        for (int ping = 0; ping < 5; ++ping) {
            ASSERT_TRUE(upstream_.wait_for_line("WATCHDOG=1", 1s))
                << "no watchdog ping " << ping << " while a close hangs";
        }
        auto other = start_worker(broker.socket_path(), {"X_WORKER=other\nSTATUS=still served"});
        EXPECT_TRUE(other.wait_sent(3s)) << "another worker was not served";
        EXPECT_LT(Clock::now() - start, 5s);
        other.close_stdin();
    } // the peer goes: the hanging close ends

    EXPECT_EQ(broker.terminate(), 0);
    expect_clean_exits(worker);
}

} // namespace
} // namespace nb::test
