// Units followed through their cgroups, the pure parsers: cgroup.events and
// the unit's cgroup from the text of /proc/PID/cgroup (the watcher itself:
// tests/integration/daemon/cgroup_watcher_test.cpp).

#include "shell/cgroup_watcher.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace nb::daemon {
namespace {

TEST(CgroupEvents, PopulatedIsReadFromItsLine) {
    EXPECT_EQ(populated_from_events("populated 1\nfrozen 0\n"), true);
    EXPECT_EQ(populated_from_events("populated 0\nfrozen 0\n"), false);
    EXPECT_EQ(populated_from_events("frozen 0\npopulated 1"), true);
    EXPECT_EQ(populated_from_events("frozen 0\n"), std::nullopt);
    EXPECT_EQ(populated_from_events("populated 2\n"), std::nullopt);
    EXPECT_EQ(populated_from_events(""), std::nullopt);
}

TEST(UnitCgroup, IsThePathUpToTheUnitsOwnComponent) {
    EXPECT_EQ(unit_cgroup_from_cgroup_file("0::/system.slice/script.service\n"),
              "/system.slice/script.service");
    EXPECT_EQ(unit_cgroup_from_cgroup_file("0::/system.slice/db.service/worker-3\n"),
              "/system.slice/db.service");
    EXPECT_EQ(unit_cgroup_from_cgroup_file("0::/system.slice/system-web.slice/web@2.service\n"),
              "/system.slice/system-web.slice/web@2.service");
    // A user's own units belong to its user manager's system unit (unit_name.hpp).
    EXPECT_EQ(unit_cgroup_from_cgroup_file(
                  "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-x.scope\n"),
              "/user.slice/user-1000.slice/user@1000.service");
}

TEST(UnitCgroup, IsEmptyWithoutAUnitOrAUnifiedEntry) {
    EXPECT_EQ(unit_cgroup_from_cgroup_file("0::/\n"), "");
    EXPECT_EQ(unit_cgroup_from_cgroup_file("0::/system.slice\n"), "");
    EXPECT_EQ(unit_cgroup_from_cgroup_file("1:name=systemd:/system.slice/old.service\n"), "");
    EXPECT_EQ(unit_cgroup_from_cgroup_file(""), "");
}

} // namespace
} // namespace nb::daemon
