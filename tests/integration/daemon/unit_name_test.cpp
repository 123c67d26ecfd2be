// The unit a worker runs in, from /proc/PID/cgroup, under systemd's unit-name rules.

#include "unit_name.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace nb::daemon {
namespace {

TEST(UnitName, a_service_in_the_system_slice_is_found) {
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/web@2.service\n"), "web@2.service");
}

TEST(UnitName, is_the_first_component_after_the_slices_as_systemd_reads_it) {
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/system-web.slice/web@1.service\n"),
              "web@1.service");
    EXPECT_EQ(unit_from_cgroup_file("0::/user.slice/user-1000.slice/session-2.scope\n"),
              "session-2.scope");
    EXPECT_EQ(unit_from_cgroup_file("0::/init.scope\n"), "init.scope");
    // A delegated sub-cgroup below the unit still belongs to the unit.
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/db.service/worker-3\n"), "db.service");
}

TEST(UnitName, a_delegated_subtree_cannot_name_another_system_unit) {
    // Delegate=yes lets db.service create cgroups of any name below its own.
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/db.service/example-worker@1.service\n"),
              "db.service");
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/db.service/system.slice/web.service\n"),
              "db.service");
}

TEST(UnitName, a_users_own_unit_reads_as_its_user_manager_never_as_a_system_unit) {
    // What `systemd-run --user --unit=example-worker@1` makes for uid 65534.
    const std::string path =
        "/user.slice/user-65534.slice/user@65534.service/app.slice/example-worker@1.service";
    EXPECT_EQ(unit_from_cgroup_path(path), "user@65534.service");
    EXPECT_EQ(user_unit_from_cgroup_path(path), "example-worker@1.service");
    EXPECT_EQ(unit_from_cgroup_file("0::" + path + "\n"), "user@65534.service");
    EXPECT_EQ(user_unit_from_cgroup_path("/system.slice/web.service"), "");
    EXPECT_EQ(user_unit_from_cgroup_path("/user.slice/user-1000.slice/user@1000.service"), "");
}

TEST(UnitName, a_containers_units_read_as_its_scope) {
    EXPECT_EQ(unit_from_cgroup_path("/machine.slice/machine-x.scope/payload/system.slice/"
                                    "web@1.service"),
              "machine-x.scope");
}

TEST(UnitName, a_path_whose_first_non_slice_component_is_no_unit_has_none) {
    EXPECT_EQ(unit_from_cgroup_path("/nb-test/system.slice/web.service"), "");
    EXPECT_EQ(unit_from_cgroup_path("/system.slice/web.socket/x.service"), "");
    EXPECT_EQ(unit_from_cgroup_path("/system.slice"), "");
    EXPECT_EQ(unit_from_cgroup_path("//"), "");
}

TEST(UnitName, escaped_cgroup_names_are_unescaped) {
    EXPECT_EQ(unit_from_cgroup_file("0::/system.slice/_cgroup.service\n"), "cgroup.service");
}

TEST(UnitName, the_unified_hierarchy_wins_over_the_legacy_one) {
    EXPECT_EQ(unit_from_cgroup_file("1:name=systemd:/system.slice/old.service\n"
                                    "0::/system.slice/new.service\n"),
              "new.service");
}

TEST(UnitName, a_legacy_host_is_read_from_the_name_systemd_hierarchy) {
    EXPECT_EQ(unit_from_cgroup_file("4:memory:/system.slice/mem.service\n"
                                    "1:name=systemd:/system.slice/legacy.service\n"
                                    "0::/\n"),
              "legacy.service");
}

TEST(UnitName, no_unit_gives_an_empty_name) {
    EXPECT_EQ(unit_from_cgroup_file("0::/\n"), "");
    EXPECT_EQ(unit_from_cgroup_file("0::/init.scope.d/x.slice\n"), "");
    EXPECT_EQ(unit_from_cgroup_file(""), "");
}

TEST(UnitName, templates_and_invalid_names_are_not_units) {
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

TEST(UnitName, a_process_that_is_gone_has_no_unit) {
    EXPECT_EQ(read_unit_of(0x3fffffff), "");
}

TEST(UnitName, our_own_cgroup_file_can_be_read) {
    // Whatever it is here (a unit or none), reading it must not fail or throw.
    EXPECT_NO_THROW((void)read_unit_of(::getpid()));
}

} // namespace
} // namespace nb::daemon
