#include "shell/unit_workers.hpp"

#include "base/logger.hpp"
#include "shell/unit_name.hpp"

namespace nb::daemon {

UnitWorkers::UnitWorkers(uv_loop_t* loop, std::string own_unit, std::string cgroup_root,
                         GoneHandler on_gone)
    : own_unit_(std::move(own_unit))
    , enabled_(!cgroup_root.empty())
    , on_gone_(std::move(on_gone))
    , cgroups_(loop, std::move(cgroup_root), [this](const std::string& unit) { on_empty(unit); }) {}

bool UnitWorkers::follow(const core::Sender& sender, const proto::Message& message) {
    if (!enabled_ || sender.source != core::Source::socket || sender.unit.empty() ||
        sender.unit == own_unit_ || message.contains("X_WORKER")) {
        return false;
    }
    if (!cgroups_.watches(sender.unit)) {
        const std::string cgroup = read_unit_cgroup_of(sender.pid);
        // Read after the datagram: the sender may be gone, its pid someone else's.
        if (cgroup.empty() || unit_from_cgroup_path(cgroup) != sender.unit ||
            !cgroups_.watch(sender.unit, cgroup)) {
            return false;
        }
    }
    return true;
}

void UnitWorkers::on_empty(const std::string& unit) noexcept {
    try {
        log(LogLevel::debug, "unit " + unit + " has no process left");
        on_gone_(unit);
    } catch (...) {
        log(LogLevel::err, "unit gone handler failed for " + unit);
    }
}

void UnitWorkers::close() noexcept {
    cgroups_.close();
}

} // namespace nb::daemon
