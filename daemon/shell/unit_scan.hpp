#pragma once
// The running system units whose names match a glob, found in the unified
// cgroup hierarchy: every populated "*.service" directory below the root's
// slices (system.slice/legacy.service, system.slice/system-legacy.slice/
// legacy@1.service). For probes attached to units (`unit = "legacy@*.service"`).

#include <string>
#include <vector>

namespace nb::daemon {

struct FoundUnit {
    std::string name;   ///< "legacy@1.service"
    std::string cgroup; ///< "/system.slice/system-legacy.slice/legacy@1.service"
};

/// Units under cgroup_root matching the fnmatch glob whose cgroup has a
/// process (cgroup.events: populated 1). Empty on any error. Throws std::bad_alloc.
[[nodiscard]] std::vector<FoundUnit> find_running_units(const std::string& cgroup_root,
                                                        const std::string& glob);

} // namespace nb::daemon
