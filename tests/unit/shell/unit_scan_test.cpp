// The look for a unit probe's units (shell/unit_scan): a cgroup tree laid out
// as systemd does, here of plain directories and files (the walk reads only
// directory entries and cgroup.events).

#include "shell/unit_scan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <stdlib.h>

namespace nb::daemon {
namespace {

class AUnitScan : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "nb-scan-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    void unit(const std::string& path, bool populated) {
        std::filesystem::create_directories(root_ / path.substr(1));
        std::ofstream(root_ / path.substr(1) / "cgroup.events")
            << "populated " << (populated ? 1 : 0) << "\nfrozen 0\n";
    }

    std::vector<std::string> found(const std::string& glob, const KnownUnit& known = {}) {
        std::vector<std::string> names;
        for (const FoundUnit& unit : find_running_units(root_.string(), glob, known)) {
            names.push_back(unit.name + " " + unit.cgroup);
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    std::filesystem::path root_;
};

TEST_F(AUnitScan, FindsThePopulatedServicesOfTheGlobInEveryNestedSlice) {
    unit("/system.slice/legacy@1.service", true);
    unit("/system.slice/system-legacy.slice/legacy@2.service", true);
    unit("/system.slice/system-legacy.slice/legacy@3.service", false); // stopped
    unit("/system.slice/system-legacy.slice/deeper.slice/legacy@4.service", true);
    unit("/system.slice/other.service", true);
    unit("/system.slice/legacy@5.scope", true);                    // not a service
    unit("/system.slice/legacy@1.service/legacy@6.service", true); // inside a unit: not looked at
    std::ofstream(root_ / "system.slice" / "legacy@7.service") << "a file, not a cgroup";
    EXPECT_EQ(
        found("legacy@*.service"),
        (std::vector<std::string>{
            "legacy@1.service /system.slice/legacy@1.service",
            "legacy@2.service /system.slice/system-legacy.slice/legacy@2.service",
            "legacy@4.service /system.slice/system-legacy.slice/deeper.slice/legacy@4.service",
        }));
}

TEST_F(AUnitScan, SkipsTheUnitsItsCallerFollowsAlready) {
    unit("/system.slice/system-legacy.slice/legacy@1.service", true);
    unit("/system.slice/system-legacy.slice/legacy@2.service", true);
    EXPECT_EQ(
        found("legacy@*.service", [](std::string_view name) { return name == "legacy@1.service"; }),
        (std::vector<std::string>{
            "legacy@2.service /system.slice/system-legacy.slice/legacy@2.service"}));
}

TEST_F(AUnitScan, FindsNothingWithoutARootOrInAMissingOne) {
    unit("/system.slice/legacy@1.service", true);
    EXPECT_TRUE(find_running_units("", "*").empty());
    EXPECT_TRUE(find_running_units((root_ / "gone").string(), "*").empty());
}

TEST_F(AUnitScan, StopsAtEightNestedSlices) {
    std::string slices;
    for (int depth = 0; depth < 9; ++depth) {
        slices += "/s" + std::to_string(depth) + ".slice";
        unit(slices + "/at-" + std::to_string(depth) + ".service", true);
    }
    const auto units = found("at-*.service");
    EXPECT_EQ(units.size(), 8U) << "slices nested 1 to 8 deep are read, the ninth is not";
    EXPECT_EQ(std::count_if(units.begin(), units.end(),
                            [](const std::string& u) { return u.starts_with("at-8.service"); }),
              0);
}

} // namespace
} // namespace nb::daemon
