#include "shell/unit_workers.hpp"

#include "base/logger.hpp"
#include "shell/unit_name.hpp"

namespace nb::daemon {

UnitWorkers::UnitWorkers(uv_loop_t* loop, std::string own_unit, std::string cgroup_root,
                         GoneHandler on_gone, std::size_t max_units, NamedPredicate still_named)
    : own_unit_(std::move(own_unit))
    , enabled_(!cgroup_root.empty())
    , on_gone_(std::move(on_gone))
    , still_named_(std::move(still_named))
    , cgroups_(
          loop, std::move(cgroup_root), [this](const std::string& unit) { on_empty(unit); },
          max_units) {}

bool UnitWorkers::follow(const core::Sender& sender, const proto::Message& message) {
    if (!enabled_ || sender.source != core::Source::socket || sender.unit.empty() ||
        sender.unit == own_unit_ || message.contains("X_WORKER")) {
        return false;
    }
    if (still_named_ && !still_named_(sender.unit)) {
        return false; // its worker has another name: a unit of its own is no reason to follow
    }
    if (!cgroups_.watches(sender.unit)) {
        if (cgroups_.full()) {
            let_go_of_unnamed();
        }
        const std::string cgroup = read_unit_cgroup_of(sender.pid);
        // Read after the datagram: the sender may be gone, its pid someone else's.
        if (cgroup.empty() || unit_from_cgroup_path(cgroup) != sender.unit ||
            !cgroups_.watch(sender.unit, cgroup)) {
            return false;
        }
    }
    return true;
}

bool UnitWorkers::resume(const std::string& unit, const std::string& cgroup) {
    // The snapshot is the predecessor's word, checked as far as it can be: the
    // path must end at the unit's own component and name it (systemd's rule,
    // unit_name.hpp), and watch() opens
    // it below the cgroup root only (no "..") and refuses it when empty.
    if (!enabled_ || unit.empty() || unit == own_unit_ || !cgroup.ends_with("/" + unit) ||
        unit_from_cgroup_path(cgroup) != unit) {
        return false;
    }
    if (cgroups_.full()) {
        let_go_of_unnamed();
    }
    return cgroups_.watch(unit, cgroup);
}

void UnitWorkers::on_empty(const std::string& unit) noexcept {
    try {
        log(LogLevel::debug, "unit " + unit + " has no process left");
        on_gone_(unit);
    } catch (...) {
        log(LogLevel::err, "unit gone handler failed for " + unit);
    }
}

void UnitWorkers::let_go_of_unnamed() noexcept {
    if (!still_named_) {
        return;
    }
    // O(followed units), bounded by max_workers, and only when full.
    cgroups_.forget_if([this](const std::string& unit) { return !still_named_(unit); });
}

void UnitWorkers::close() noexcept {
    cgroups_.close();
}

} // namespace nb::daemon
