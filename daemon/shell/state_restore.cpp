#include "shell/state_restore.hpp"

#include "base/logger.hpp"
#include "base/sealed_memfd.hpp"
#include "core/state_codec.hpp"
#include "shell/fd_store_names.hpp"
#include "shell/log_event.hpp"
#include "shell/process_ids.hpp"
#include "shell/process_start_time.hpp"
#include "shell/unit_name.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <unordered_set>

namespace nb::daemon {

namespace fd_store {

std::optional<pid_t> pid_of_name(std::string_view name) noexcept {
    if (!name.starts_with(pidfd_prefix)) {
        return std::nullopt;
    }
    name.remove_prefix(pidfd_prefix.size());
    pid_t pid = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc{} || ptr != name.data() + name.size() || pid <= 0) {
        return std::nullopt;
    }
    return pid;
}

} // namespace fd_store

namespace {

/// The newest snapshot among the nb-state slots; logs the ones it refuses.
std::optional<core::StateSnapshot> newest_snapshot(const std::vector<NamedFd>& stored) {
    std::optional<core::StateSnapshot> newest;
    for (const NamedFd& entry : stored) {
        if (!fd_store::is_state_name(entry.name)) {
            continue;
        }
        auto bytes = read_sealed_memfd(entry.fd.get(), core::max_snapshot_bytes);
        if (!bytes) {
            log(LogLevel::warning,
                "ignoring fd store entry " + entry.name + ": " + bytes.error().message);
            continue;
        }
        auto snapshot = core::decode_snapshot(*bytes);
        if (!snapshot) {
            log(LogLevel::warning,
                "ignoring fd store entry " + entry.name + ": " + snapshot.error().message);
            continue;
        }
        if (!newest || snapshot->sequence > newest->sequence) {
            newest = std::move(snapshot.value());
        }
    }
    return newest;
}

/// Why the process under record.pid is not the worker any more; empty if it is.
/// `stored`: the pidfd came from the fd store (it pinned the very process the
/// predecessor watched); else it was opened now, on a pid that may have been
/// reused during the gap, and the process must prove it is the recorded one:
/// its pidfs inode, else its start time (this is how a main process named by
/// MAINPID=, often beyond the store's pidfd budget, is pinned again).
std::string changed_process(const core::WorkerRecord& record, const UniqueFd& pidfd, bool stored) {
    if (!pidfd || pidfd_exited(pidfd.get())) {
        return "exited";
    }
    if (const auto identity = process_identity(pidfd.get());
        identity && record.process_identity != 0) {
        return *identity == record.process_identity ? std::string() : "pid reused";
    }
    if (record.start_time != 0) {
        const auto start_time = read_start_time(record.pid);
        // Still alive after the read: /proc/PID was the pidfd's process.
        if (!start_time || *start_time != record.start_time || pidfd_exited(pidfd.get())) {
            return "pid reused";
        }
        return {};
    }
    return stored ? std::string() : "no identity recorded to tell it from a reused pid";
}

/// The verdict on one recorded pid, shared by every worker of that process.
struct PinnedProcess {
    UniqueFd pidfd;
    std::string refusal; ///< why its workers are not restored; empty: they are
    std::optional<ProcessIds> ids;
    std::string unit;
};

PinnedProcess pin_recorded(const core::WorkerRecord& record,
                           std::unordered_map<pid_t, UniqueFd>& stored_pidfds) {
    PinnedProcess pinned;
    const auto found = stored_pidfds.find(record.pid);
    const bool stored = found != stored_pidfds.end();
    pinned.pidfd = stored ? std::move(found->second) : open_pidfd(record.pid);
    pinned.refusal = changed_process(record, pinned.pidfd, stored);
    if (!pinned.refusal.empty()) {
        return pinned;
    }
    // Who it is now, for the rules' second look (import_state): read after
    // pinning, and trusted only if the pinned process is still there.
    pinned.ids = read_effective_ids(record.pid);
    pinned.unit = read_unit_of(record.pid);
    if (pidfd_exited(pinned.pidfd.get())) {
        pinned.refusal = "exited during the restore";
    }
    return pinned;
}

void log_not_restored(const core::WorkerRecord& record, const std::string& why) {
    log(LogLevel::notice, "not restoring worker " + record.name + " (pid " +
                              std::to_string(record.pid) + "): " + why);
}

} // namespace

RestoredState restore_state(std::vector<NamedFd> stored, core::Broker& broker,
                            ProcessWatcher& processes, core::TimePoint now, UnitWorkers* units,
                            const BusWorkerFilter& bus_workers) {
    RestoredState restored;
    std::unordered_map<pid_t, UniqueFd> pidfds;
    for (NamedFd& entry : stored) {
        if (const auto pid = fd_store::pid_of_name(entry.name)) {
            const auto identity = process_identity(entry.fd.get());
            restored.stored_pidfds[*pid] = identity.value_or(0);
            pidfds[*pid] = std::move(entry.fd);
        } else if (!fd_store::is_state_name(entry.name)) {
            log(LogLevel::warning, "closing unexpected passed fd named '" + entry.name + "'");
        }
    }
    auto snapshot = newest_snapshot(stored);
    stored.clear(); // closes the state memfds and whatever else came
    if (!snapshot) {
        return restored;
    }
    restored.sequence = snapshot->sequence;

    core::StateSnapshot alive = *snapshot;
    alive.workers.clear();
    std::unordered_map<pid_t, PinnedProcess> processes_seen;
    std::vector<std::string> resumed_units;
    for (const core::WorkerRecord& record : snapshot->workers) {
        core::WorkerRecord current = record;
        if (record.source == core::Source::dbus) {
            // Its connection may have outlived the old broker: the bus says
            // (BusWorkerFilter). Without a bus to ask, it is not restored.
            if (!bus_workers || !bus_workers(record)) {
                log_not_restored(record, "a D-Bus worker, and no bus to check its name " +
                                             record.bus_name + " with");
                ++restored.dropped;
                continue;
            }
            current.current_unit = record.unit; // as the old broker read it
            alive.workers.push_back(std::move(current));
            continue;
        }
        if (record.follows_unit) {
            // A script's worker: its last sender is long gone; its unit's
            // cgroup, still populated, is what keeps it.
            if (units == nullptr || !units->resume(record.unit, record.cgroup)) {
                log_not_restored(record, "its unit " + record.unit + " has no process left");
                ++restored.dropped;
                continue;
            }
            resumed_units.push_back(record.unit);
            current.current_unit = record.unit;
            alive.workers.push_back(std::move(current));
            continue;
        }
        if (record.pid <= 0) {
            continue;
        }
        auto seen = processes_seen.find(record.pid);
        if (seen == processes_seen.end()) {
            seen = processes_seen.emplace(record.pid, pin_recorded(record, pidfds)).first;
        }
        const PinnedProcess& pinned = seen->second;
        if (!pinned.refusal.empty()) {
            log_not_restored(record, pinned.refusal);
            ++restored.dropped;
            continue;
        }
        current.current_unit = pinned.unit;
        if (pinned.ids) {
            current.current_uid = pinned.ids->uid;
            current.current_gid = pinned.ids->gid;
        }
        alive.workers.push_back(std::move(current));
    }
    broker.import_state(alive, now);
    const auto rows = broker.workers(now);
    std::unordered_set<std::string> taken;
    for (const auto& row : rows) {
        if (row.state != core::WorkerState::gone && row.state != core::WorkerState::stopping) {
            taken.insert(row.name);
        }
    }
    for (const core::WorkerRecord& record : alive.workers) {
        if (!taken.contains(record.name)) {
            log_not_restored(record, "the current [[allow]] rules, groups or max_workers "
                                     "do not admit it");
            ++restored.dropped;
        }
    }
    for (const std::string& unit : resumed_units) {
        if (!taken.contains(unit)) {
            units->forget(unit); // nobody to follow it for
        }
    }
    std::unordered_set<pid_t> watched;
    for (const core::WorkerRecord& record : alive.workers) {
        if (!taken.contains(record.name)) {
            continue;
        }
        if (record.source == core::Source::dbus) {
            restored.bus_names.push_back(record.bus_name);
            ++restored.workers;
            continue;
        }
        if (record.follows_unit) {
            ++restored.workers;
            continue;
        }
        auto pinned = processes_seen.find(record.pid);
        if (pinned == processes_seen.end()) {
            continue;
        }
        if (watched.contains(record.pid)) {
            ++restored.workers; // another worker of a process watched already
            continue;
        }
        watched.insert(record.pid);
        if (processes.watch(record.pid, std::move(pinned->second.pidfd), pinned->second.unit) ==
            ProcessWatcher::Watch::watched) {
            ++restored.workers;
        } else {
            broker.on_process_exited(record.pid, now);
            ++restored.dropped;
        }
    }
    log_event(LogLevel::notice, LogEvent::state_restored, {},
              "restored " + std::to_string(restored.workers) +
                  " workers from the fd store (state #" + std::to_string(restored.sequence) + ", " +
                  std::to_string(restored.dropped) + " not restored)");
    return restored;
}

} // namespace nb::daemon
