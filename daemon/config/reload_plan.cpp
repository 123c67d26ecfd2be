#include "config/reload_plan.hpp"

#include <array>
#include <utility>

namespace nb::config {
namespace {

using daemon::DaemonSettings;

// A live row: nothing to keep.
void keep_nothing(const DaemonSettings& /*running*/, DaemonSettings& /*loaded*/) {}

#define NB_FIELD(field) /* the same member of both */                                              \
    [](const DaemonSettings& a, const DaemonSettings& b) {                                         \
        return !(a.field == b.field);                                                              \
    }
#define NB_KEEP(field)                                                                             \
    [](const DaemonSettings& running, DaemonSettings& loaded) {                                    \
        loaded.field = running.field;                                                              \
    }

bool groups_differ(const DaemonSettings& a, const DaemonSettings& b) {
    const auto& x = a.broker.groups;
    const auto& y = b.broker.groups;
    if (x.size() != y.size()) {
        return true;
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
        const auto& g = x[i];
        const auto& h = y[i];
        if (g.name != h.name || g.expected != h.expected || g.required != h.required ||
            g.min_ready != h.min_ready || g.match != h.match ||
            g.start_timeout != h.start_timeout || g.watchdog != h.watchdog ||
            g.worker_watchdog_min != h.worker_watchdog_min ||
            g.worker_watchdog_max != h.worker_watchdog_max ||
            g.reload_timeout != h.reload_timeout || g.reload_outcome != h.reload_outcome) {
            return true;
        }
    }
    return false;
}

bool rules_differ(const DaemonSettings& a, const DaemonSettings& b) {
    const auto& x = a.broker.allow;
    const auto& y = b.broker.allow;
    if (x.size() != y.size()) {
        return true;
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i].uid != y[i].uid || x[i].gid != y[i].gid || x[i].unit != y[i].unit ||
            x[i].names != y[i].names) {
            return true;
        }
    }
    return false;
}

// A probe's place in the file (origin) is not a change of the probe.
bool probes_differ(const DaemonSettings& a, const DaemonSettings& b) {
    const auto& x = a.probes;
    const auto& y = b.probes;
    if (x.size() != y.size()) {
        return true;
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!core::same_probe(x[i], y[i])) {
            return true;
        }
    }
    return false;
}

// Live: the core takes a whole new BrokerConfig (Broker::finish_reload), the
// shell re-applies the socket's mode, group and buffer and the log level, the
// bus service its bus and name.
// Restart: what was built once at start from the value (the socket's address,
// the spawned children, the fd limit raised for max_workers and the unit
// watches sized by it).
const std::array<ReloadSetting, 23> table{{
    {"broker.socket", Applies::restart, "the socket is bound (or activated) once",
     NB_FIELD(socket.path), NB_KEEP(socket.path)},
    {"broker.socket_mode", Applies::live, {}, NB_FIELD(socket.mode), keep_nothing},
    {"broker.socket_group", Applies::live, {}, NB_FIELD(socket.group), keep_nothing},
    {"broker.receive_buffer", Applies::live, {}, NB_FIELD(socket.receive_buffer), keep_nothing},
    {"broker.log_level", Applies::live, {}, NB_FIELD(log_level), keep_nothing},
    {"broker.max_workers", Applies::restart, "the fd limit and the unit watches are sized at start",
     NB_FIELD(broker.max_workers), NB_KEEP(broker.max_workers)},
    {"broker.max_status_length",
     Applies::live,
     {},
     NB_FIELD(broker.max_status_length),
     keep_nothing},
    {"broker.status_interval", Applies::live, {}, NB_FIELD(broker.status_interval), keep_nothing},
    {"broker.status_format", Applies::live, {}, NB_FIELD(broker.status_format), keep_nothing},
    {"broker.watchdog_trigger", Applies::live, {}, NB_FIELD(broker.watchdog_trigger), keep_nothing},
    {"broker.extend_timeout", Applies::live, {}, NB_FIELD(broker.extend_timeout), keep_nothing},
    {"broker.max_extend_timeout",
     Applies::live,
     {},
     NB_FIELD(broker.max_extend_timeout),
     keep_nothing},
    // Live since issue 14 point 5: dbus::BusService::reconfigure() moves to the
    // new bus (asynchronously) or takes the new name before releasing the old.
    {"dbus.bus", Applies::live, {}, NB_FIELD(bus.bus), keep_nothing},
    {"dbus.name", Applies::live, {}, NB_FIELD(bus.name), keep_nothing},
    {"rate_limit.burst", Applies::live, {}, NB_FIELD(broker.rate_limit.burst), keep_nothing},
    {"rate_limit.per_second",
     Applies::live,
     {},
     NB_FIELD(broker.rate_limit.per_second),
     keep_nothing},
    {"spawn.command", Applies::restart, "the children run already", NB_FIELD(spawn.command),
     NB_KEEP(spawn.command)},
    {"spawn.workers", Applies::restart, "the children run already", NB_FIELD(spawn.copies),
     NB_KEEP(spawn.copies)},
    {"broker.metrics_file", Applies::restart, "the metrics file's writer is set up once, at start",
     NB_FIELD(metrics_file), NB_KEEP(metrics_file)},
    // The probe scheduler keeps the state of every probe that did not change
    // (shell/probe_scheduler.hpp reconfigure()).
    {"probe", Applies::live, {}, probes_differ, keep_nothing},
    {"group", Applies::live, {}, groups_differ, keep_nothing},
    {"allow", Applies::live, {}, rules_differ, keep_nothing},
    // Fixed by the command line, which a reload reads again unchanged.
    {"--config", Applies::restart, "the command line is read once", NB_FIELD(config_path),
     NB_KEEP(config_path)},
}};

#undef NB_FIELD
#undef NB_KEEP

} // namespace

std::span<const ReloadSetting> reload_settings() noexcept {
    return table;
}

ReloadPlan plan_reload(const DaemonSettings& running, DaemonSettings loaded) {
    ReloadPlan plan;
    for (const ReloadSetting& setting : table) {
        if (!setting.differs(running, loaded)) {
            continue;
        }
        if (setting.applies == Applies::live) {
            plan.changed_live.emplace_back(setting.key);
        } else {
            plan.needs_restart.emplace_back(setting.key);
            setting.keep(running, loaded);
        }
    }
    plan.apply = std::move(loaded);
    return plan;
}

} // namespace nb::config
