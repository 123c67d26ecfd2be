// A worker past its group's expected count (an extra X_WORKER= name the policy
// lets a sender claim) that never gets ready is a spare: it shows as late, but
// the broker keeps pinging systemd while the expected workers are ready
// (issue 11, finding 8: before, it starved WATCHDOG=1 and got the broker
// restarted, and a restore kept it late, so the restarts looped).

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using AnExtraWorker = BrokerTest;

TEST_F(AnExtraWorker, ThatIsLateDoesNotStarveTheBrokersWatchdog) {
    BrokerOptions options;
    options.args = {"--status-interval", "1ms"};
    options.env["WATCHDOG_USEC"] = "200000"; // the broker pings every 100 ms
    options.config = "[[group]]\nname = \"web\"\nexpect = 2\nstart_timeout = \"300ms\"\n";
    auto& broker = start_broker(options);
    auto web1 = start_worker(broker.socket_path(), {"X_WORKER=web-1\nREADY=1"});
    auto web2 = start_worker(broker.socket_path(), {"X_WORKER=web-2\nREADY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    auto extra = start_worker(broker.socket_path(), {"X_WORKER=web-99\nSTATUS=only a status"});
    ASSERT_TRUE(extra.wait_sent());
    ASSERT_TRUE(upstream_.wait_for(
        [](const std::string& d) { return d.find("web-99 late") != std::string::npos; }, 5s))
        << "web-99 never became late";
    // Five pings are due in the next 500 ms; ask for three.
    for (int ping = 0; ping < 3; ++ping) {
        EXPECT_TRUE(upstream_.wait_for_line("WATCHDOG=1", 1s))
            << "ping " << ping << " after web-99 became late never came";
    }
    expect_clean_exits(web1, web2, extra);
}

} // namespace
} // namespace nb::test
