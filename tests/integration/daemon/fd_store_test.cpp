// What notify-brokerd keeps in systemd's fd store for a restart (the fixture:
// support/broker_restart_test.hpp): the pool's pidfds, following the pool as
// workers leave, one or two state slots; and nothing at all without a store.

#include "support/broker_restart_test.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

TEST_F(BrokerRestart, TheStoreFollowsThePoolPidfdsOfDepartedWorkersAreRemoved) {
    start_first_broker();
    auto one = start_worker(path_, {"X_WORKER=web-1\nREADY=1"});
    auto two = start_worker(path_, {"X_WORKER=web-2\nREADY=1"});
    ASSERT_TRUE(one.wait_sent());
    ASSERT_TRUE(two.wait_sent());
    ASSERT_TRUE(store_.wait_for(
        [&](const std::string&) { return store_.count_named("nb-pidfd-") == 2; }, 5s));
    one.close_stdin();
    ASSERT_EQ(one.wait_exit_code(5s), 0);
    const std::string removal = "FDSTOREREMOVE=1\nFDNAME=nb-pidfd-" + std::to_string(one.pid());
    ASSERT_TRUE(store_.wait_for([&](const std::string& d) { return d == removal; }, 5s));
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 1U);
    EXPECT_EQ(store_.count_named("nb-pidfd-" + std::to_string(two.pid())), 1U);
    // One or two state slots, never more: the older is removed before each save.
    EXPECT_GE(store_.count_named("nb-state."), 1U);
    EXPECT_LE(store_.count_named("nb-state."), 2U);
    expect_clean_exits(two);
    EXPECT_EQ(first_->terminate(), 0);
}

TEST_F(BrokerRestart, WithoutAnFdStoreTheBrokerStoresNothing) {
    auto& broker = start_broker(options({{"notify", socket_fd_}}, 0));
    auto worker = start_worker(path_, {"X_WORKER=web-1\nREADY=1"});
    ASSERT_TRUE(worker.wait_sent());
    // A save would follow within 100 ms of the change.
    while (store_.next(500ms)) {
    }
    for (const auto& datagram : store_.history()) {
        EXPECT_EQ(datagram.find("FDSTORE"), std::string::npos) << printable(datagram);
    }
    EXPECT_TRUE(store_.store().empty());
    worker.close_stdin();
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
