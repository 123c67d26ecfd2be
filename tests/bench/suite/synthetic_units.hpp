#pragma once
// A unit tree as systemd lays it out in the unified cgroup hierarchy, made of
// real cgroups in a directory of the host's cgroup2 mount (root only):
// system.slice/system-bench.slice/bench@1.service ... bench@N.service, each
// populated by a sleeping process of its own, and as many unpopulated
// system.slice/other-I.service beside them (the units a probe's glob does not
// match, which a scan walks past). The probe benchmark bind-mounts root() on
// /sys/fs/cgroup in a mount namespace of its own, so a broker started there
// finds exactly these units. Destruction kills the sleepers and removes the
// cgroups. Throws std::runtime_error when the tree cannot be made.

#include "process.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace nb::bench {

class SyntheticUnits {
public:
    SyntheticUnits(std::size_t matching, std::size_t others);
    ~SyntheticUnits();
    SyntheticUnits(const SyntheticUnits&) = delete;
    SyntheticUnits& operator=(const SyntheticUnits&) = delete;

    /// The tree's root: a cgroup2 directory (its own mount point in the namespace).
    [[nodiscard]] const std::string& root() const noexcept { return root_; }
    /// The glob that matches the populated units.
    [[nodiscard]] static std::string glob() { return "bench@*.service"; }

    /// The host's cgroup2 mount point, or "" when there is none.
    [[nodiscard]] static std::string cgroup2_mount();
    /// Empty when a tree can be made here (root, a writable cgroup2), else why not.
    [[nodiscard]] static std::string unavailable();

private:
    void make_dir(const std::string& path);
    void remove() noexcept;

    std::string root_;
    std::vector<std::string> dirs_; ///< in creation order: removed in reverse
    std::vector<Child> sleepers_;
};

} // namespace nb::bench
