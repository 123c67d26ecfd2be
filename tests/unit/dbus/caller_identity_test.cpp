// The bus daemon's word on a caller, read from a GetConnectionCredentials
// reply, and the effective ids of /proc/PID/status (pure parts).

#include "dbus/caller_identity.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace nb::dbus {
namespace {

TEST(ACredentialsReply, GivesTheBussUidGroupsAndPid) {
    const std::map<std::string, sdbus::Variant> reply = {
        {"UnixUserID", sdbus::Variant(std::uint32_t{65534})},
        {"UnixGroupIDs", sdbus::Variant(std::vector<std::uint32_t>{4, 27, 1000})},
        {"ProcessID", sdbus::Variant(std::uint32_t{4242})},
    };
    const auto creds = credentials_from_reply(reply);
    ASSERT_TRUE(creds);
    EXPECT_EQ(creds->uid, 65534U);
    EXPECT_EQ(creds->groups, (std::vector<gid_t>{4, 27, 1000}));
    EXPECT_EQ(creds->pid, 4242);
    EXPECT_FALSE(creds->pidfd.valid());
}

TEST(ACredentialsReply, WithoutAUidOrWithAKeyOfTheWrongTypeIsNotTrusted) {
    EXPECT_FALSE(credentials_from_reply({{"ProcessID", sdbus::Variant(std::uint32_t{1})}}));
    EXPECT_FALSE(credentials_from_reply({{"UnixUserID", sdbus::Variant(std::string("0"))}}));
    EXPECT_FALSE(credentials_from_reply({{"UnixUserID", sdbus::Variant(std::uint32_t{0})},
                                         {"ProcessID", sdbus::Variant(std::string("1"))}}));
}

TEST(AProcStatusText, GivesTheEffectiveUidAndGid) {
    const auto ids =
        effective_ids_from_status("Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t100\t27\t27\t27\n");
    ASSERT_TRUE(ids);
    EXPECT_EQ(ids->first, 0U);
    EXPECT_EQ(ids->second, 27U);
    EXPECT_FALSE(effective_ids_from_status("Uid:\t1000\nGid:\t1\t1\n"));
    EXPECT_FALSE(effective_ids_from_status("Name:\tx\n"));
}

TEST(ACallerWhoseProcessIsGone, HasNoPidNoUnitAndOnlyAGroupTheBusMakesCertain) {
    BusCredentials one_group;
    one_group.uid = 65534;
    one_group.groups = {65534};
    one_group.pid = 0x7ffffffe; // no such process
    bool asked = false;
    const auto caller = verify_caller(std::move(one_group), [&](pid_t) {
        asked = true;
        return std::string("x.service");
    });
    EXPECT_EQ(caller.pid, 0);
    EXPECT_EQ(caller.unit, "");
    EXPECT_FALSE(asked) << "no unit is read for a process that is not pinned";
    EXPECT_EQ(caller.gid, 65534U);

    BusCredentials many;
    many.uid = 65534;
    many.groups = {4, 27};
    EXPECT_EQ(verify_caller(std::move(many), {}).gid, unknown_gid);
}

TEST(ACallerThatIsStillThere, KeepsItsPidAndItsUnit) {
    BusCredentials self;
    self.uid = geteuid();
    self.groups = {getegid()};
    self.pid = getpid();
    const auto caller =
        verify_caller(std::move(self), [](pid_t) { return std::string("me.service"); });
    EXPECT_EQ(caller.pid, getpid());
    EXPECT_EQ(caller.unit, "me.service");
    EXPECT_EQ(caller.gid, getegid());
}

TEST(ACallerWhosePidRunsAsAnotherUid, HasNoPidAndNoUnit) {
    BusCredentials other;
    other.uid = geteuid() + 1;
    other.pid = getpid();
    const auto caller =
        verify_caller(std::move(other), [](pid_t) { return std::string("me.service"); });
    EXPECT_EQ(caller.pid, 0);
    EXPECT_EQ(caller.unit, "");
}

} // namespace
} // namespace nb::dbus
