// The unit a worker runs in, from the text of /proc/PID/cgroup, under systemd's
// unit-name rules (read from real processes: tests/integration/daemon/proc_files_test.cpp).

#include "shell/unit_name.hpp"

#include <gtest/gtest.h>

namespace nb::daemon {
namespace {

TEST(UnitName, AServiceInTheSystemSliceIsFound) {
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/web@2.service\n"), "web@2.service");
}

TEST(UnitName, IsTheFirstComponentAfterTheSlicesAsSystemdReadsIt) {
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/system-web.slice/web@1.service\n"),
              "web@1.service");
    EXPECT_EQ(unit_from_cgroup_file("0::/user.slice/user-1000.slice/session-2.scope\n"),
              "session-2.scope");
    EXPECT_EQ(unit_from_cgroup_file("0::/init.scope\n"), "init.scope");
    // A delegated sub-cgroup below the unit still belongs to the unit.
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/db.service/worker-3\n"), "db.service");
}

TEST(UnitName, ADelegatedSubtreeCannotNameAnotherSystemUnit) {
    // Delegate=yes lets db.service create cgroups of any name below its own.
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/db.service/example-worker@1.service\n"),
              "db.service");
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/db.service/system.slice/web.service\n"),
              "db.service");
}

TEST(UnitName, AUsersOwnUnitReadsAsItsUserManagerNeverAsASystemUnit) {
    // What `systemd-run --user --unit=example-worker@1` makes for uid 65534.
    const std::string path =
        "/user.slice/user-65534.slice/user@65534.service/app.slice/example-worker@1.service";
    EXPECT_EQ(unit_from_cgroup_path(path), "user@65534.service");
    EXPECT_EQ(user_unit_from_cgroup_path(path), "example-worker@1.service");
    EXPECT_EQ(unit_from_cgroup_file("0::" + path + "\n"), "user@65534.service");
    EXPECT_EQ(user_unit_from_cgroup_path("/system.slice/web.service"), "");
    EXPECT_EQ(user_unit_from_cgroup_path("/user.slice/user-1000.slice/user@1000.service"), "");
}

TEST(UnitName, AContainersUnitsReadAsItsScope) {
    EXPECT_EQ(unit_from_cgroup_path("/machine.slice/machine-x.scope/payload/system.slice/"
                                    "web@1.service"),
              "machine-x.scope");
}

TEST(UnitName, APathWhoseFirstNonSliceComponentIsNoUnitHasNone) {
    EXPECT_EQ(unit_from_cgroup_path("/nb-test/system.slice/web.service"), "");
    EXPECT_EQ(unit_from_cgroup_path("/system.slice/web.socket/x.service"), "");
    EXPECT_EQ(unit_from_cgroup_path("/system.slice"), "");
    EXPECT_EQ(unit_from_cgroup_path("//"), "");
}

TEST(UnitName, EscapedCgroupNamesAreUnescaped) {
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/_cgroup.service\n"), "cgroup.service");
}

TEST(UnitName, TheUnifiedHierarchyWinsOverTheLegacyOne) {
    EXPECT_EQ(unit_from_cgroup_file("1:name=systemd:/system.slice/old.service\n"
                                    "0::/system.slice/new.service\n"),
              "new.service");
}

TEST(UnitName, ALegacyHostIsReadFromTheNameSystemdHierarchy) {
    EXPECT_EQ(unit_from_cgroup_file("4:memory:/system.slice/mem.service\n"
                                    "1:name=systemd:/system.slice/legacy.service\n"
                                    "0::/\n"),
              "legacy.service");
}

TEST(UnitName, NoUnitGivesAnEmptyName) {
    EXPECT_EQ(unit_from_cgroup_file("0::/\n"), "");
    EXPECT_EQ(unit_from_cgroup_file("0::/init.scope.d/x.slice\n"), "");
    EXPECT_EQ(unit_from_cgroup_file(""), "");
}

TEST(UnitName, TemplatesAndInvalidNamesAreNotUnits) {
    EXPECT_FALSE(is_service_or_scope_name("web@.service"));
    EXPECT_FALSE(is_service_or_scope_name("@x.service"));
    EXPECT_FALSE(is_service_or_scope_name(".service"));
    EXPECT_FALSE(is_service_or_scope_name("a@b@c.service"));
    EXPECT_FALSE(is_service_or_scope_name("sp ace.service"));
    EXPECT_FALSE(is_service_or_scope_name("web.socket"));
    EXPECT_FALSE(is_service_or_scope_name(std::string(250, 'a') + ".service"));
    EXPECT_TRUE(is_service_or_scope_name("a-b_c:d\\x2d.service"));
    EXPECT_TRUE(is_service_or_scope_name("session-3.scope"));
}

} // namespace
} // namespace nb::daemon
