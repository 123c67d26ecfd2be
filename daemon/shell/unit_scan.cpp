#include "shell/unit_scan.hpp"

#include "base/proc_file.hpp"
#include "shell/cgroup_watcher.hpp"

#include <filesystem>
#include <system_error>

#include <fnmatch.h>

namespace nb::daemon {
namespace {

/// Slices nest (a-b.slice inside a.slice) but not deeply: bounded anyway.
constexpr int deepest_slice = 8;

void scan(const std::filesystem::path& dir, const std::string& relative, const std::string& glob,
          int depth, std::vector<FoundUnit>& found) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        if (!entry.is_directory(error)) {
            continue;
        }
        const std::string name = entry.path().filename().string();
        const std::string path = relative + "/" + name;
        if (name.ends_with(".slice") && depth < deepest_slice) {
            scan(entry.path(), path, glob, depth + 1, found);
        } else if (name.ends_with(".service") && ::fnmatch(glob.c_str(), name.c_str(), 0) == 0) {
            const auto events = read_small_file((entry.path() / "cgroup.events").string());
            if (events && populated_from_events(*events) == true) {
                found.push_back(FoundUnit{name, path});
            }
        }
    }
}

} // namespace

std::vector<FoundUnit> find_running_units(const std::string& cgroup_root, const std::string& glob) {
    std::vector<FoundUnit> found;
    if (!cgroup_root.empty()) {
        scan(cgroup_root, "", glob, 0, found);
    }
    return found;
}

} // namespace nb::daemon
