#include "core/policy.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace nb::core {
namespace {

using testing::allow;

Sender sender(uid_t uid, gid_t gid, std::string unit = {}) {
    Sender result;
    result.pid = 42;
    result.uid = uid;
    result.gid = gid;
    result.unit = std::move(unit);
    return result;
}

TEST(AnEmptyPolicy, LetsEveryoneClaimAnyName) {
    const Policy policy({});
    const AllowRule* rule = policy.rule_for(sender(1234, 1234));
    ASSERT_NE(rule, nullptr);
    EXPECT_TRUE(Policy::may_claim(*rule, "anything"));
}

TEST(APolicy, UsesTheFirstRuleWhoseSetFieldsAllMatch) {
    const Policy policy({allow(0, {}, {}, {"root-*"}), allow(1000, {}, "web@*.service", {"web-*"}),
                         allow({}, 100, {}, {"guest-*"})});
    EXPECT_EQ(policy.rule_for(sender(0, 5))->names.front(), "root-*");
    EXPECT_EQ(policy.rule_for(sender(1000, 100, "web@2.service"))->names.front(), "web-*");
    // uid 1000 outside its unit falls through to the gid rule.
    EXPECT_EQ(policy.rule_for(sender(1000, 100, "cron.service"))->names.front(), "guest-*");
    EXPECT_EQ(policy.rule_for(sender(1000, 1, "cron.service")), nullptr);
    EXPECT_EQ(policy.rule_for(sender(1000, 1)), nullptr); // no unit: the unit glob fails
}

TEST(APolicy, MatchesNamesWithShellGlobs) {
    const AllowRule rule = allow({}, {}, {}, {"web-[0-9]", "db-?", "exact"});
    EXPECT_TRUE(Policy::may_claim(rule, "web-3"));
    EXPECT_TRUE(Policy::may_claim(rule, "db-x"));
    EXPECT_TRUE(Policy::may_claim(rule, "exact"));
    EXPECT_FALSE(Policy::may_claim(rule, "web-10"));
    EXPECT_FALSE(Policy::may_claim(rule, "exact-not"));
    EXPECT_FALSE(Policy::may_claim(allow({}, {}, {}, {}), "web-1"));
}

} // namespace
} // namespace nb::core
