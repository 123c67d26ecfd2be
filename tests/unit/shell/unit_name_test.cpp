// The unit a worker runs in, from the text of /proc/PID/cgroup, under systemd's
// unit-name rules (read from real processes: tests/integration/daemon/proc_files_test.cpp).

#include "shell/unit_name.hpp"

#include <gtest/gtest.h>

namespace nb::daemon {
namespace {

TEST(UnitName, AServiceInTheSystemSliceIsFound) {
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/web@2.service\n"), "web@2.service");
}

TEST(UnitName, TheLastServiceOrScopeOnThePathWins) {
    EXPECT_EQ(unit_from_cgroup_file(
                  "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-x.scope\n"),
              "app-x.scope");
    // A delegated sub-cgroup below the unit still belongs to the unit.
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/db.service/worker-3\n"), "db.service");
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
