#pragma once
// Follows the cgroups of systemd units whose workers report through short-lived
// commands (a shell script's `systemd-notify --ready` or `notify-broker --ready`:
// unprivileged, the sender is the command itself, gone at once). Such a worker
// lives as long as its unit has a process, which the unit's cgroup.events says
// ("populated 0|1"); kernfs wakes pollers of that file (POLLPRI|POLLERR) on
// every change, so one uv_poll per unit on the loop is enough.
// Thread-safety: the loop thread only.

#include "base/unique_fd.hpp"
#include "base/uv_handle.hpp"

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sys/types.h>

namespace nb::daemon {

class CgroupWatcher {
public:
    /// Called (from the loop) once when a followed unit's cgroup has no process
    /// left; the unit is no longer followed then.
    using EmptyHandler = std::function<void(const std::string& unit)>;

    /// cgroup_root: where the unified hierarchy is mounted ("/sys/fs/cgroup").
    /// max_units: the most units followed at once (one fd each): max_workers.
    CgroupWatcher(uv_loop_t* loop, std::string cgroup_root, EmptyHandler on_empty,
                  std::size_t max_units = std::numeric_limits<std::size_t>::max());
    ~CgroupWatcher();
    CgroupWatcher(const CgroupWatcher&) = delete;
    CgroupWatcher& operator=(const CgroupWatcher&) = delete;

    /// Follows unit through its cgroup (a path of the unified hierarchy,
    /// "/system.slice/x.service"). Returns false when the cgroup cannot be
    /// opened or polled, or is already empty: the caller falls back to the
    /// sender's pid. False too when max_units are followed already (full()).
    /// True if the unit is followed already. Throws std::bad_alloc.
    bool watch(const std::string& unit, const std::string& cgroup_path);

    [[nodiscard]] bool watches(const std::string& unit) const noexcept {
        return units_.contains(unit);
    }
    /// The cgroup path a followed unit was watched under; empty if not followed.
    [[nodiscard]] std::string path_of(const std::string& unit) const;
    /// Stops following unit without calling the handler.
    void forget(const std::string& unit) noexcept;
    /// Stops following, without calling the handler, every unit `drop` is true for.
    void forget_if(const std::function<bool(const std::string& unit)>& drop) noexcept;
    /// Stops following everything (shutdown).
    void close() noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return units_.size(); }
    [[nodiscard]] bool full() const noexcept { return units_.size() >= max_units_; }

private:
    struct Unit;
    static void on_poll(uv_poll_t* handle, int status, int events) noexcept;

    uv_loop_t* loop_;
    std::string root_;
    EmptyHandler on_empty_;
    std::size_t max_units_;
    std::unordered_map<std::string, std::unique_ptr<Unit>> units_;
};

/// "populated" of a cgroup.events text: true/false, nothing if absent.
[[nodiscard]] std::optional<bool> populated_from_events(std::string_view events) noexcept;

/// The cgroup of the unit a process runs in, from the contents of its
/// /proc/PID/cgroup (unified hierarchy, "0::"): the path up to the unit's own
/// component ("/system.slice/x.service" for ".../x.service/payload"); empty when
/// the path names no unit or there is no unified entry (a legacy host).
[[nodiscard]] std::string unit_cgroup_from_cgroup_file(std::string_view contents);

/// Reads /proc/PID/cgroup for unit_cgroup_from_cgroup_file(); empty when the
/// process is gone.
[[nodiscard]] std::string read_unit_cgroup_of(pid_t pid);

/// Where the unified (cgroup2) hierarchy is mounted: /sys/fs/cgroup, or
/// /sys/fs/cgroup/unified on a hybrid host; empty when neither is cgroup2.
[[nodiscard]] std::string find_cgroup2_root();

} // namespace nb::daemon
