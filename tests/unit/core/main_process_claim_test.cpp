// What a datagram says about its worker's main process (MAINPID=, MAINPIDFD=1,
// MAINPIDFDID=), read as systemd 257 reads it, and who root may name beyond its
// ancestors (Broker::admits).
#include "core/main_process_claim.hpp"
#include "core/worker_keys.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>

namespace nb::core {
namespace {

using testing::allow;
using testing::pool_of;
using testing::socket_sender;

proto::Message parsed(std::string_view datagram) {
    auto message = proto::Message::parse(datagram);
    EXPECT_TRUE(message.ok()) << datagram;
    return message.value();
}

TEST(AMainProcessClaim, IsNothingWithoutMainpidOrMainpidfd) {
    EXPECT_FALSE(main_process_claim(parsed("READY=1"), 0));
    // MAINPIDFDID= only qualifies MAINPID=; alone it names nothing (as in systemd).
    EXPECT_FALSE(main_process_claim(parsed("READY=1\nMAINPIDFDID=42"), 0));
}

TEST(AMainProcessClaim, ReadsMainpidWithTheIdOfItsPidfd) {
    const auto claim =
        main_process_claim(parsed("MAINPID=77\nMAINPIDFDID=18446744073709551615"), 0);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->kind, MainProcessClaim::Kind::pid);
    EXPECT_EQ(claim->pid, 77);
    EXPECT_EQ(claim->pidfd_id, 18446744073709551615ULL);
    EXPECT_EQ(claim->key, "MAINPID=77");
    EXPECT_EQ(claim->refusal, "");
    const auto plain = main_process_claim(parsed("MAINPID=77"), 0);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->pidfd_id);
}

TEST(AMainProcessClaim, RefusesAMainpidfdidThatIsNoId) {
    for (const char* bad : {"MAINPIDFDID=x", "MAINPIDFDID=-1", "MAINPIDFDID=", "MAINPIDFDID=1 ",
                            "MAINPIDFDID=18446744073709551616"}) {
        const auto claim = main_process_claim(parsed(std::string("MAINPID=77\n") + bad), 0);
        ASSERT_TRUE(claim) << bad;
        EXPECT_NE(claim->refusal.find("MAINPIDFDID="), std::string::npos) << bad;
    }
}

TEST(AMainProcessClaim, TakesMainpidfdOverMainpidAndItsId) {
    const auto claim = main_process_claim(parsed("MAINPID=77\nMAINPIDFDID=5\nMAINPIDFD=1"), 1);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->kind, MainProcessClaim::Kind::pidfd);
    EXPECT_EQ(claim->key, "MAINPIDFD=1");
    EXPECT_EQ(claim->refusal, "");
    EXPECT_FALSE(claim->pidfd_id);
}

TEST(AMainProcessClaim, RefusesMainpidfdWithoutExactlyOneFd) {
    for (const std::size_t fds : {0U, 2U, 253U}) {
        const auto claim = main_process_claim(parsed("READY=1\nMAINPIDFD=1"), fds);
        ASSERT_TRUE(claim);
        EXPECT_EQ(claim->refusal,
                  "MAINPIDFD=1 needs exactly one fd, the pidfd; got " + std::to_string(fds));
    }
}

TEST(AMainProcessClaim, RefusesMainpidfdOtherThanOne) {
    const auto claim = main_process_claim(parsed("MAINPIDFD=yes\nMAINPID=77"), 1);
    ASSERT_TRUE(claim);
    EXPECT_EQ(claim->key, "MAINPIDFD=yes");
    EXPECT_EQ(claim->refusal, "MAINPIDFD= must be 1");
}

TEST(TheKeyTable, AppliesMainpidfdAndReadsMainpidfdidOnlyWithMainpid) {
    EXPECT_EQ(worker_key("MAINPIDFD").use, KeyUse::applied);
    EXPECT_EQ(worker_key("MAINPIDFDID").use, KeyUse::paired);
    // Both name processes: a D-Bus caller sending them is refused.
    EXPECT_TRUE(worker_key("MAINPIDFD").socket_only);
    EXPECT_TRUE(worker_key("MAINPIDFDID").socket_only);
}

BrokerConfig with_rules(std::vector<AllowRule> rules) {
    BrokerConfig config = pool_of(1);
    config.allow = std::move(rules);
    return config;
}

TEST(ARootSendersMainProcessBeyondItsAncestors, IsAdmittedOnlyInAUnitARuleGivesTheName) {
    const Broker broker(with_rules({allow({}, {}, "web-a.service", {"w1"}),
                                    allow({}, {}, "web-b.service", {"other"}), allow(0)}),
                        {}, testing::t0);
    EXPECT_TRUE(broker.admits(socket_sender(9, 1000, 1000, "web-a.service"), "w1"));
    EXPECT_FALSE(broker.admits(socket_sender(9, 1000, 1000, "web-a.service"), "w2"));
    EXPECT_FALSE(broker.admits(socket_sender(9, 1000, 1000, "web-b.service"), "w1"));
    // The first matching rule decides, and a rule by uid alone admits no unit.
    EXPECT_FALSE(broker.admits(socket_sender(9, 0, 0, "web-c.service"), "w1"));
    EXPECT_FALSE(broker.admits(socket_sender(9, 0, 0, ""), "w1"));
}

TEST(ARootSendersMainProcessBeyondItsAncestors, IsNeverAdmittedByTheOpenPolicy) {
    const Broker broker(pool_of(1), {}, testing::t0);
    EXPECT_FALSE(broker.admits(socket_sender(9, 0, 0, "web-a.service"), "w1"));
}

TEST(ARootSendersMainProcessBeyondItsAncestors, NeedsAGroupForTheName) {
    BrokerConfig config = with_rules({allow({}, {}, "web-*.service")});
    config.groups.front().match = {"w*"};
    const Broker broker(config, {}, testing::t0);
    EXPECT_TRUE(broker.admits(socket_sender(9, 1000, 1000, "web-a.service"), "w1"));
    EXPECT_FALSE(broker.admits(socket_sender(9, 1000, 1000, "web-a.service"), "x1"));
}

} // namespace
} // namespace nb::core
