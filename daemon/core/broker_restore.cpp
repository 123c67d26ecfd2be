// Broker: handing the worker table to the next broker process across a
// restart (export_state) and taking it over (import_state).
#include "core/broker_impl.hpp"
#include "core/safe_text.hpp"
#include "core/saturating_time.hpp"
#include "core/worker_name.hpp"

#include <algorithm>
#include <chrono>

namespace nb::core {
namespace {

std::int64_t monotonic_us(TimePoint time) noexcept {
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

// A snapshot's number, whatever it says, becomes a time point without wrapping.
TimePoint from_monotonic_us(std::int64_t us) noexcept {
    return saturating_add(TimePoint{}, std::chrono::microseconds(us));
}

/// What a restored failure text is cut to (ours are far shorter).
constexpr std::size_t max_restored_failure_length = 256;

bool is_live(WorkerState state) noexcept {
    return state == WorkerState::starting || state == WorkerState::ready ||
           state == WorkerState::reloading || state == WorkerState::late;
}

} // namespace

bool Broker::Impl::still_admitted(const WorkerRecord& record) const {
    Sender sender;
    sender.source = record.source;
    sender.pid = record.pid;
    sender.uid = record.current_uid.value_or(record.uid);
    sender.gid = record.current_gid.value_or(static_cast<gid_t>(-1));
    sender.unit = record.current_unit;
    const AllowRule* rule = policy.rule_for(sender);
    return rule != nullptr && Policy::may_claim(*rule, record.name);
}

StateSnapshot Broker::export_state(TimePoint now) const {
    const Impl& impl = *impl_;
    StateSnapshot snapshot;
    snapshot.taken_at_us = monotonic_us(now);
    snapshot.workers.reserve(impl.registry.size());
    for (const Worker* worker : impl.registry.in_order()) {
        if (worker->source == Source::probe) {
            continue; // the successor's probes stand for it again
        }
        WorkerRecord record;
        record.name = worker->name;
        record.group = impl.group_name(*worker);
        record.source = worker->source;
        record.pid = worker->pid;
        record.uid = worker->uid;
        record.state = worker->state;
        record.late_watchdog = worker->late == LateReason::watchdog;
        record.status = worker->status;
        if (worker->last_ping) {
            record.last_ping_us = monotonic_us(*worker->last_ping);
        }
        record.named = worker->named;
        record.follows_unit = worker->follows_unit;
        record.unit = worker->unit;
        record.bus_name = worker->bus_name;
        if (worker->watchdog) {
            record.watchdog_us = worker->watchdog->count();
        }
        record.failure = worker->failure;
        snapshot.workers.push_back(std::move(record));
    }
    return snapshot;
}

bool Broker::Impl::may_restore_beside(const WorkerRecord& record) {
    if (record.follows_unit) {
        // Not found by its pid (the last sender's, gone): its unit names it.
        return record.source == Source::socket && !record.unit.empty() &&
               record.name == record.unit;
    }
    if (record.source == Source::dbus ? !record.bus_name.starts_with(':') : record.pid <= 0) {
        return false;
    }
    // One process (or bus connection) may speak for several workers, each
    // named by X_WORKER= (issue 13): a second one comes back only if all are.
    const auto others = record.source == Source::dbus ? registry.of_bus_name(record.bus_name)
                                                      : registry.of_pid(record.pid);
    return others.empty() || (record.named && std::ranges::all_of(others, [](const Worker* other) {
                                  return other->named;
                              }));
}

std::size_t Broker::import_state(const StateSnapshot& snapshot, TimePoint now) {
    Impl& impl = *impl_;
    impl.expire(now);
    std::size_t taken = 0;
    for (const WorkerRecord& record : snapshot.workers) {
        if (!is_live(record.state) || !is_valid_worker_name(record.name) ||
            impl.registry.find_name(record.name) != nullptr || !impl.may_restore_beside(record)) {
            continue;
        }
        if (impl.registry.size() >= impl.config.max_workers) {
            break;
        }
        if (!impl.still_admitted(record)) {
            continue; // the rules changed under the restart: they no longer admit it
        }
        const auto group = impl.group_of(record.name);
        if (!group) {
            continue; // the config changed under the restart: no group takes it now
        }
        Worker worker;
        worker.name = record.name;
        // A version 1 snapshot does not say how it got its name: one not after
        // its pid counts as chosen, so the process's next name adds a worker.
        worker.named = record.named || (record.unit.empty() && !record.name.starts_with("pid:") &&
                                        record.source != Source::dbus);
        worker.group = *group;
        worker.source = record.source;
        worker.pid = record.pid;
        worker.uid = record.uid;
        worker.unit = record.unit;
        worker.follows_unit = record.follows_unit;
        worker.bus_name = record.source == Source::dbus ? record.bus_name : std::string();
        worker.status = sanitize_text(record.status, impl.config.max_status_length);
        if (record.last_ping_us) {
            // A ping cannot be in the future: the age shown stays >= 0.
            worker.last_ping = std::min(now, from_monotonic_us(*record.last_ping_us));
        }
        if (const GroupConfig& bounds = impl.config.groups[*group]; record.watchdog_us) {
            // Its own WATCHDOG_USEC=, if the group's bounds (maybe reloaded) still allow it.
            const std::chrono::microseconds own(*record.watchdog_us);
            if (own >= bounds.worker_watchdog_min && own <= bounds.worker_watchdog_max) {
                worker.watchdog = own;
            }
        }
        if (!record.failure.empty()) {
            worker.failure = sanitize_text(record.failure, max_restored_failure_length);
            worker.failure_note = "failed: " + worker.failure;
        }
        // A ready worker (or one late for its watchdog) had said READY=1.
        worker.said_ready = record.state == WorkerState::ready ||
                            (record.state == WorkerState::late && record.late_watchdog);
        impl.departed.forget_name(worker.name);
        Worker& added = impl.registry.add(std::move(worker));
        if (record.state == WorkerState::late) {
            // Still late: a hung worker must not buy itself a fresh deadline
            // by crashing the broker's watchdog.
            impl.registry.set_state(added, WorkerState::late,
                                    record.late_watchdog ? LateReason::watchdog
                                                         : LateReason::start_timeout);
        } else {
            impl.registry.set_state(added, record.state);
            // A full interval from now: the pings of the gap are still queued in
            // the socket, unread, and arrive right after this.
            impl.arm(added, now);
        }
        ++taken;
    }
    // This process has told systemd nothing yet (a restarted Type=notify service
    // must send READY=1 again): the upstream story starts from the beginning.
    impl.scheduler = UpstreamScheduler(impl.config.status_interval, impl.upstream.watchdog);
    impl.set_state(BrokerState::starting);
    impl.seen_version = ~std::uint64_t{0};
    impl.settle(now);
    return taken;
}

} // namespace nb::core
