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
std::string changed_process(const core::WorkerRecord& record, const UniqueFd& pidfd) {
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
    }
    return {};
}

} // namespace

RestoredState restore_state(std::vector<NamedFd> stored, core::Broker& broker,
                            ProcessWatcher& processes, core::TimePoint now) {
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
    std::unordered_map<pid_t, UniqueFd> watched;
    for (const core::WorkerRecord& record : snapshot->workers) {
        if (record.source == core::Source::dbus || record.pid <= 0) {
            continue;
        }
        UniqueFd pidfd;
        if (auto found = pidfds.find(record.pid); found != pidfds.end()) {
            pidfd = std::move(found->second);
        } else {
            pidfd = open_pidfd(record.pid);
        }
        if (const std::string why = changed_process(record, pidfd); !why.empty()) {
            log(LogLevel::notice, "not restoring worker " + record.name + " (pid " +
                                      std::to_string(record.pid) + "): " + why);
            ++restored.dropped;
            continue;
        }
        // Who it is now, for the rules' second look (import_state): read after
        // pinning, and trusted only if the pinned process is still there.
        core::WorkerRecord current = record;
        const auto ids = read_effective_ids(record.pid);
        current.current_unit = read_unit_of(record.pid);
        if (pidfd_exited(pidfd.get())) {
            log(LogLevel::notice, "not restoring worker " + record.name + " (pid " +
                                      std::to_string(record.pid) + "): exited during the restore");
            ++restored.dropped;
            continue;
        }
        if (ids) {
            current.current_uid = ids->uid;
            current.current_gid = ids->gid;
        }
        watched[record.pid] = std::move(pidfd);
        alive.workers.push_back(std::move(current));
    }
    broker.import_state(alive, now);
    const auto rows = broker.workers(now);
    std::unordered_map<pid_t, const core::WorkerInfo*> taken;
    for (const auto& row : rows) {
        taken.emplace(row.pid, &row);
    }
    for (const core::WorkerRecord& record : alive.workers) {
        const auto row = taken.find(record.pid);
        if (row == taken.end() || row->second->name != record.name) {
            log(LogLevel::notice, "not restoring worker " + record.name + " (pid " +
                                      std::to_string(record.pid) +
                                      "): the current [[allow]] rules, groups or max_workers "
                                      "do not admit it");
            ++restored.dropped;
        }
    }
    for (const auto& row : rows) {
        auto pidfd = watched.find(row.pid);
        if (pidfd == watched.end()) {
            continue;
        }
        if (processes.watch(row.pid, std::move(pidfd->second), read_unit_of(row.pid)) ==
            ProcessWatcher::Watch::watched) {
            ++restored.workers;
        } else {
            broker.on_process_exited(row.pid, now);
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
