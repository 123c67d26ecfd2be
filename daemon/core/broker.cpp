// Broker: the facade, the broker's own lifecycle (start, reload, stop), timers
// and the consolidated state (as STATUS facts: broker_status.cpp). Worker
// messages are in broker_events.cpp and broker_keys.cpp.
#include "core/broker_impl.hpp"
#include "core/safe_text.hpp"
#include "core/saturating_time.hpp"
#include "core/worker_keys.hpp"

#include <algorithm>
#include <utility>

namespace nb::core {

std::size_t rate_limiter_capacity(const BrokerConfig& config) noexcept {
    return std::max<std::size_t>(1024, 2 * config.max_workers);
}

Broker::Impl::Impl(BrokerConfig broker_config, UpstreamContext upstream_context, TimePoint now)
    : config(std::move(broker_config))
    , upstream(upstream_context)
    , policy(config.allow)
    , limiter(config.rate_limit, rate_limiter_capacity(config))
    , composer(config.status_format)
    , registry(config.groups.size())
    , scheduler(config.status_interval, upstream.watchdog)
    , ignored_counts(worker_keys().size(), 0) {
    settle(now); // the first STATUS, and READY=1 at once if nothing is required
}

void Broker::Impl::set_state(BrokerState next) noexcept {
    if (state != next) {
        state = next;
        ++own_version;
        using Kind = BrokerEvent::Kind;
        if (next == BrokerState::ready || next == BrokerState::degraded ||
            next == BrokerState::stopping) {
            BrokerEvent event;
            event.kind = next == BrokerState::ready      ? Kind::pool_ready
                         : next == BrokerState::degraded ? Kind::pool_degraded
                                                         : Kind::pool_stopping;
            note(std::move(event));
        }
    }
}

void Broker::Impl::note(BrokerEvent event) noexcept {
    if (events.size() >= max_pending_events) {
        return;
    }
    try {
        events.push_back(std::move(event));
    } catch (...) {
        // std::bad_alloc: the event is only for the log.
    }
}

void Broker::Impl::note(BrokerEvent::Kind kind, const Worker& worker, std::string reason) noexcept {
    try {
        note(BrokerEvent{kind, worker.name, group_name(worker), worker.unit, worker.pid, worker.uid,
                         std::move(reason)});
    } catch (...) {
        // std::bad_alloc: the event is only for the log.
    }
}

std::optional<std::size_t> Broker::Impl::group_of(const std::string& name) const {
    for (std::size_t i = 0; i < config.groups.size(); ++i) {
        if (Policy::matches_any(config.groups[i].match, name)) {
            return i;
        }
    }
    return std::nullopt;
}

const GroupConfig* Broker::Impl::group_named(const std::string& name) const noexcept {
    const auto found = std::find_if(config.groups.begin(), config.groups.end(),
                                    [&](const GroupConfig& group) { return group.name == name; });
    return found == config.groups.end() ? nullptr : &*found;
}

const GroupConfig* Broker::Impl::group_config(const Worker& worker) const noexcept {
    return worker.group < config.groups.size() ? &config.groups[worker.group] : nullptr;
}

std::string Broker::Impl::group_name(const Worker& worker) const {
    const GroupConfig* group = group_config(worker);
    return group == nullptr ? std::string() : group->name;
}

void Broker::Impl::arm(const Worker& worker, TimePoint now) {
    const GroupConfig* group = group_config(worker);
    std::optional<TimePoint> deadline;
    if (group != nullptr && state != BrokerState::stopping) {
        if ((worker.state == WorkerState::starting || worker.state == WorkerState::reloading) &&
            group->start_timeout.count() > 0) {
            deadline = saturating_add(now, group->start_timeout);
        } else if (const auto watchdog = worker.watchdog.value_or(group->watchdog);
                   worker.state == WorkerState::ready && watchdog.count() > 0) {
            deadline = saturating_add(now, watchdog);
        }
    }
    deadlines.set(worker.id, deadline);
}

void Broker::Impl::expire(TimePoint now) {
    if (state == BrokerState::stopping) {
        return; // nobody is late for a broker that is going away
    }
    if (reload_waiting && reload_round.expire(now)) {
        ++own_version;
    }
    for (const WorkerId id : deadlines.take_expired(now)) {
        if (Worker* worker = registry.find(id)) {
            mark_late(*worker, worker->state == WorkerState::ready ? LateReason::watchdog
                                                                   : LateReason::start_timeout);
        }
    }
}

bool Broker::Impl::healthy() const noexcept {
    // A dead worker that breaks the rule (degraded) or a hung one (late) stops the
    // pings, so systemd's own watchdog sees the pool, not just the broker.
    return state != BrokerState::degraded && state != BrokerState::stopping &&
           rule().late_required(registry.tallies()) == 0;
}

void Broker::Impl::settle(TimePoint now) {
    if (reload_waiting && reload_round.done()) {
        conclude_reload(now);
    }
    if (state != BrokerState::stopping && state != BrokerState::reloading) {
        const bool holds = rule().holds(registry.tallies()) && !degraded_by_reload();
        if (state == BrokerState::starting && holds) {
            set_state(BrokerState::ready);
            scheduler.ready(now);
        } else if (state == BrokerState::ready && !holds) {
            set_state(BrokerState::degraded);
        } else if (state == BrokerState::degraded && holds) {
            set_state(BrokerState::ready);
        }
    }
    if (version() != seen_version) {
        seen_version = version();
        ++generation;
        scheduler.status_changed();
    }
    if (scheduler.flush(
            now, [this] { return status_text(); }, healthy())) {
        const auto tallies = registry.tallies();
        departed.reported(
            [&](const std::string& group) { return rule().is_short(group, tallies); });
        if (version() != seen_version) {
            // Forgetting reported departures changes the table, not the STATUS.
            seen_version = version();
            ++generation;
        }
    }
}

void Broker::Impl::apply_config(BrokerConfig new_config, TimePoint now) {
    config = std::move(new_config);
    policy = Policy(config.allow);
    limiter.reconfigure(config.rate_limit, rate_limiter_capacity(config));
    composer = StatusComposer(config.status_format);
    scheduler.set_status_interval(config.status_interval);
    registry.regroup(config.groups.size(), [&](const Worker& worker) {
        return group_of(worker.name).value_or(config.groups.size()); // none: counted nowhere
    });
    for (const Worker* worker : registry.in_order()) {
        arm(*worker, now);
    }
    ++own_version;
}

void Broker::Impl::await_reload(TimePoint now) {
    std::vector<ReloadRound::Awaited> awaited;
    std::size_t already = 0;
    for (const Worker* worker : registry.in_order()) {
        const GroupConfig* group = group_config(*worker);
        if (group == nullptr || !group->required || group->reload_timeout.count() <= 0) {
            continue;
        }
        const auto lookback = std::min<microseconds>(ReloadRound::lookback, group->reload_timeout);
        if (worker->state == WorkerState::ready && worker->reloading_at &&
            *worker->reloading_at >= now - lookback) {
            ++already; // its RELOADING=1 and READY=1 came before our signal
            continue;
        }
        awaited.push_back({worker->name, saturating_add(now, group->reload_timeout)});
    }
    reload_round = ReloadRound(std::move(awaited), already);
    reload_waiting = true; // settle() concludes at once when nobody is awaited
}

void Broker::Impl::conclude_reload(TimePoint now) {
    reload_waiting = false;
    ++own_version;
    if (state == BrokerState::reloading) {
        const bool holds = rule().holds(registry.tallies()) && !degraded_by_reload();
        set_state(holds ? BrokerState::ready : BrokerState::degraded);
        scheduler.ready(now); // ends systemd's reload job, pings once
    }
}

bool Broker::Impl::degraded_by_reload() const {
    return std::any_of(reload_round.missed().begin(), reload_round.missed().end(),
                       [&](const std::string& name) {
                           const auto group = group_of(name);
                           return group && config.groups[*group].required &&
                                  config.groups[*group].reload_outcome == ReloadOutcome::degraded;
                       });
}

// --- the facade --------------------------------------------------------------

Broker::Broker(BrokerConfig config, UpstreamContext upstream, TimePoint now)
    : impl_(std::make_unique<Impl>(std::move(config), upstream, now)) {}

Broker::~Broker() = default;

Verdict Broker::on_message(const Sender& sender, const proto::Message& message, TimePoint now) {
    impl_->expire(now);
    impl_->key_refusals.clear();
    const Verdict verdict = impl_->admit_and_apply(sender, message, now);
    if (verdict == Verdict::accepted) {
        impl_->count_ignored(message); // once, however many workers it was for
    }
    impl_->settle(now);
    return verdict;
}

bool Broker::tracks(const Sender& sender) const noexcept {
    return impl_->registry.find_sender(sender) != nullptr;
}

bool Broker::tracks_name(const std::string& name) const {
    return impl_->registry.find_name(name) != nullptr;
}

bool Broker::would_rate_limit(const Sender& sender, TimePoint now) const {
    return !impl_->limiter.would_allow(RateLimiter::key_of(sender), now);
}

void Broker::on_process_exited(pid_t pid, TimePoint now) {
    impl_->expire(now);
    for (const Worker* worker : impl_->registry.of_pid(pid)) {
        impl_->leave(worker->id, WorkerState::gone); // every worker it spoke for
    }
    impl_->limiter.forget(std::to_string(pid)); // the pid may be reused by a stranger
    impl_->settle(now);
}

void Broker::on_bus_peer_gone(std::string_view bus_name, TimePoint now) {
    impl_->expire(now);
    const std::string name(bus_name);
    for (const Worker* worker : impl_->registry.of_bus_name(name)) {
        impl_->leave(worker->id, WorkerState::gone);
    }
    impl_->limiter.forget(name);
    impl_->settle(now);
}

void Broker::on_tick(TimePoint now) {
    impl_->expire(now);
    impl_->settle(now);
}

void Broker::request_stop(TimePoint now) {
    impl_->expire(now);
    impl_->set_state(BrokerState::stopping);
    impl_->reload_waiting = false;
    impl_->scheduler.stopping();
    impl_->deadlines.clear();
    impl_->settle(now);
}

void Broker::begin_reload(TimePoint now) {
    impl_->expire(now);
    // systemd only takes RELOADING=1 from a running service; before READY=1 the
    // reload is applied quietly and READY=1 still waits for the rule.
    if (impl_->state == BrokerState::ready || impl_->state == BrokerState::degraded) {
        impl_->set_state(BrokerState::reloading);
        impl_->reload_error.clear();
        impl_->reload_round = ReloadRound(); // the last round's missed workers are history
        impl_->reload_waiting = false;
        impl_->scheduler.reloading(now);
    }
    impl_->settle(now);
}

void Broker::finish_reload(std::optional<BrokerConfig> new_config, std::string error,
                           TimePoint now) {
    Impl& impl = *impl_;
    impl.expire(now);
    if (impl.state != BrokerState::stopping) {
        if (new_config) {
            impl.apply_config(std::move(*new_config), now);
            impl.reload_error.clear();
        } else {
            impl.reload_error = sanitize_text(error, max_reload_error_length);
        }
        ++impl.own_version;
        if (impl.state == BrokerState::reloading) {
            // Spawned children get the signal after this, unit workers from
            // systemd (PropagatesReloadTo=): READY=1 waits for them.
            impl.await_reload(now);
        }
    }
    impl.settle(now);
}

void Broker::set_restart_needed(std::vector<std::string> keys) {
    if (keys != impl_->restart_needed) {
        impl_->restart_needed = std::move(keys);
        ++impl_->own_version;
    }
}

std::vector<std::string> Broker::take_outbox() {
    return impl_->scheduler.take_outbox();
}

std::vector<BrokerEvent> Broker::take_events() {
    return std::exchange(impl_->events, {});
}

std::optional<TimePoint> Broker::next_deadline() const {
    std::optional<TimePoint> next = impl_->scheduler.next_deadline(impl_->healthy());
    if (const auto reload_deadline = impl_->reload_round.next_deadline();
        reload_deadline && impl_->reload_waiting) {
        next = next ? std::min(*next, *reload_deadline) : *reload_deadline;
    }
    if (const auto worker_deadline = impl_->deadlines.earliest();
        worker_deadline && impl_->state != BrokerState::stopping) {
        next = next ? std::min(*next, *worker_deadline) : *worker_deadline;
    }
    return next;
}

BrokerState Broker::state() const noexcept {
    return impl_->state;
}

Counts Broker::counts() const noexcept {
    return impl_->rule().counts(impl_->registry.tallies());
}

std::string Broker::status_text() const {
    return impl_->status_text();
}

std::uint64_t Broker::generation() const noexcept {
    return impl_->generation;
}

const std::vector<std::string>& Broker::key_refusals() const noexcept {
    return impl_->key_refusals;
}

std::vector<IgnoredKeyCount> Broker::ignored_keys() const {
    std::vector<IgnoredKeyCount> counts;
    const auto rows = worker_keys();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (impl_->ignored_counts[i] != 0) {
            counts.push_back({rows[i].key, impl_->ignored_counts[i]});
        }
    }
    return counts;
}

const BrokerConfig& Broker::config() const noexcept {
    return impl_->config;
}

} // namespace nb::core
