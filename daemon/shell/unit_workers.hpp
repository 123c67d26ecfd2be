#pragma once
// Workers identified by their systemd unit (no X_WORKER=) live as long as their
// unit has a process, not as long as the process that sent the datagram: a shell
// script worker reports with a short-lived command (`systemd-notify --ready`,
// `notify-broker --ready`), and an unprivileged command cannot pass its parent's
// pid, so the sender is gone the moment it has spoken. Such a sender's unit is
// followed through its cgroup (CgroupWatcher) instead of its pidfd (the core
// is told, Broker::on_followed_by_unit, and no longer knows the worker by that
// pid); when the unit's cgroup empties, the worker of that unit is gone. Not for the broker's own
// unit (its cgroup is populated while it runs: spawned workers keep pid watching) nor for D-Bus
// callers. Thread-safety: the loop thread only.

#include "core/broker.hpp"
#include "shell/cgroup_watcher.hpp"

#include <nb/proto/message.hpp>

#include <cstddef>
#include <functional>
#include <limits>
#include <string>

namespace nb::daemon {

class UnitWorkers {
public:
    /// Called (from the loop) when a followed unit's cgroup empties; the unit
    /// is no longer followed then.
    using GoneHandler = std::function<void(const std::string& unit)>;

    /// Whether the core still has a worker of that name (Broker::tracks_name).
    using NamedPredicate = std::function<bool(const std::string& unit)>;

    /// own_unit: the broker's own unit (never followed); empty when it has none.
    /// cgroup_root: find_cgroup2_root(); empty: nothing is followed.
    /// max_units: max_workers (a cgroup.events fd each); when that many are
    /// followed, units no worker is named after any more are let go first.
    UnitWorkers(uv_loop_t* loop, std::string own_unit, std::string cgroup_root, GoneHandler on_gone,
                std::size_t max_units = std::numeric_limits<std::size_t>::max(),
                NamedPredicate still_named = {});

    /// For an accepted sender whose pid is not watched: true when its liveness
    /// follows its unit's cgroup from now on (the caller must not watch the pid),
    /// false when it does not qualify or its cgroup cannot be followed (empty
    /// already, unreadable): the caller then watches the pid as for any worker.
    /// Throws std::bad_alloc.
    bool follow(const core::Sender& sender, const proto::Message& message);

    /// After a restart (shell/state_restore.hpp): follows `unit` again through
    /// the cgroup the predecessor recorded, if that path names the unit and is
    /// still populated; false otherwise (the worker left during the gap).
    /// Throws std::bad_alloc.
    bool resume(const std::string& unit, const std::string& cgroup);
    /// The cgroup a followed unit is watched under (for the fd store's
    /// snapshot); empty if the unit is not followed.
    [[nodiscard]] std::string cgroup_of(const std::string& unit) const {
        return cgroups_.path_of(unit);
    }
    /// Stops following `unit` (a resumed unit whose worker was not taken back).
    void forget(const std::string& unit) noexcept { cgroups_.forget(unit); }

    [[nodiscard]] std::size_t size() const noexcept { return cgroups_.size(); }
    /// Stops following every unit (shutdown).
    void close() noexcept;

private:
    void on_empty(const std::string& unit) noexcept;
    /// Stops following the units no worker is named after any more.
    void let_go_of_unnamed() noexcept;

    std::string own_unit_;
    bool enabled_;
    GoneHandler on_gone_;
    NamedPredicate still_named_;
    CgroupWatcher cgroups_;
};

} // namespace nb::daemon
