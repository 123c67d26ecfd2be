#pragma once
// The running system units whose names match a glob, found in the unified
// cgroup hierarchy: every populated "*.service" directory below the root's
// slices (system.slice/legacy.service, system.slice/system-legacy.slice/
// legacy@1.service). For probes attached to units (`unit = "legacy@*.service"`).
// The walk is synchronous (it runs on the loop, once per unit probe and
// interval), so it goes by directory fds: each open is one path component
// below an fd the walk holds, not a lookup of the whole path from "/" (that
// lookup was most of its cost; BENCHMARKS.md, scenario 13).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nb::daemon {

struct FoundUnit {
    std::string name;   ///< "legacy@1.service"
    std::string cgroup; ///< "/system.slice/system-legacy.slice/legacy@1.service"
};

/// True for a unit the caller follows already (through its own cgroup watch):
/// the walk skips it without reading its cgroup.events. Must not throw.
using KnownUnit = std::function<bool(std::string_view name)>;

/// Units under cgroup_root matching the fnmatch glob whose cgroup has a
/// process (cgroup.events: populated 1), except those `known` names (none
/// when empty). Empty on any error. Throws std::bad_alloc.
[[nodiscard]] std::vector<FoundUnit> find_running_units(const std::string& cgroup_root,
                                                        const std::string& glob,
                                                        const KnownUnit& known = {});

} // namespace nb::daemon
