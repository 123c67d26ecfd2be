// Broker: workers that health probes stand for (issue 15). A probe's verdicts
// take the paths a reporting worker's messages take: ready as READY=1, alive
// as WATCHDOG=1, late as a missed watchdog (the same late count gates
// WATCHDOG=1 upstream, and WATCHDOG=trigger fires as for a hang).
#include "core/broker_impl.hpp"

namespace nb::core {

namespace {

bool takes_new_workers(BrokerState state) noexcept {
    return state != BrokerState::stopping;
}

} // namespace

void Broker::Impl::return_to_own_state(Worker& worker, TimePoint now) {
    // A probe-only worker is what its probe says: ready. A reporting worker
    // goes back to where its own messages have it: ready only if it said
    // READY=1 (and no RELOADING=1 since), else reloading or starting, its
    // start deadline counting anew from now.
    if (worker.source == Source::probe || worker.said_ready) {
        registry.set_state(worker, WorkerState::ready);
        become_ready(worker, now);
    } else {
        registry.set_state(worker,
                           worker.reloading_at ? WorkerState::reloading : WorkerState::starting);
        arm(worker, now);
    }
}

bool Broker::on_probe_attached(const std::string& name, TimePoint now) {
    Impl& impl = *impl_;
    impl.expire(now);
    bool attached = true;
    if (impl.registry.find_name(name) == nullptr) {
        const auto group = impl.group_of(name);
        if (!group || !takes_new_workers(impl.state) ||
            impl.registry.size() >= impl.config.max_workers) {
            attached = false;
        } else {
            Worker fresh;
            fresh.name = name;
            fresh.named = true;
            fresh.group = *group;
            fresh.source = Source::probe;
            impl.departed.forget_name(fresh.name);
            impl.arm(impl.registry.add(std::move(fresh)), now);
        }
    }
    impl.settle(now);
    return attached;
}

void Broker::on_probe(const std::string& name, ProbeVerdict verdict, TimePoint now) {
    Impl& impl = *impl_;
    impl.expire(now);
    Worker* worker = impl.registry.find_name(name);
    if (worker == nullptr) {
        impl.settle(now);
        if (!on_probe_attached(name, now)) {
            return;
        }
        impl.expire(now);
        worker = impl.registry.find_name(name);
        if (worker == nullptr) {
            return;
        }
    }
    const bool probe_only = worker->source == Source::probe;
    switch (verdict) {
    case ProbeVerdict::ready:
    case ProbeVerdict::alive:
        if (worker->state == WorkerState::late && worker->late == LateReason::probe) {
            // The probe's own lateness is the probe's to clear.
            impl.return_to_own_state(*worker, now);
        } else if (probe_only && (worker->state == WorkerState::starting ||
                                  (worker->state == WorkerState::late &&
                                   worker->late == LateReason::start_timeout) ||
                                  verdict == ProbeVerdict::ready)) {
            impl.become_ready(*worker, now);
        }
        if (probe_only && worker->state == WorkerState::ready) {
            // A success is the probe worker's WATCHDOG=1 (its group's watchdog).
            worker->last_ping = now;
            impl.arm(*worker, now);
        }
        break;
    case ProbeVerdict::late:
        if (worker->state != WorkerState::stopping) {
            impl.mark_late(*worker, LateReason::probe);
        }
        break;
    case ProbeVerdict::start_late:
        if (probe_only && worker->state == WorkerState::starting) {
            impl.mark_late(*worker, LateReason::start_timeout);
        }
        break;
    }
    impl.settle(now);
}

void Broker::on_probe_detached(const std::string& name, TimePoint now) {
    Impl& impl = *impl_;
    impl.expire(now);
    if (Worker* worker = impl.registry.find_name(name); worker == nullptr) {
    } else if (worker->source == Source::probe) {
        impl.leave(worker->id, WorkerState::gone);
    } else if (worker->state == WorkerState::late && worker->late == LateReason::probe) {
        impl.return_to_own_state(*worker, now); // no probe is left to clear it
    }
    impl.settle(now);
}

void Broker::on_probe_reloaded(const std::string& name, TimePoint now) {
    Impl& impl = *impl_;
    impl.expire(now);
    if (const Worker* worker = impl.registry.find_name(name);
        worker != nullptr && worker->source == Source::probe && impl.reload_round.reloaded(name)) {
        ++impl.own_version; // progress, or a missed worker is back
    }
    impl.settle(now);
}

} // namespace nb::core
