// Broker: what workers say (admission, then the keys we act on), how they
// leave, and the worker table.
#include "core/broker_impl.hpp"
#include "core/safe_text.hpp"
#include "core/saturating_time.hpp"
#include "core/worker_keys.hpp"
#include "core/worker_name.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace nb::core {

std::string Broker::Impl::default_name(const Sender& sender) const {
    // The broker's own children share the broker's unit: named after it, every
    // child would be the same worker (under systemd, `--workers 3` stayed 1/3).
    if (!sender.unit.empty() && sender.source != Source::spawned) {
        return sender.unit;
    }
    if (sender.source == Source::dbus && sender.pid <= 0) {
        return sender.bus_name;
    }
    return "pid:" + std::to_string(sender.pid);
}

std::optional<std::string> Broker::Impl::claimed_name(const Sender& sender,
                                                      const proto::Message& message,
                                                      const Worker* existing) const {
    if (const auto claimed = message.get("X_WORKER")) {
        if (!is_valid_worker_name(*claimed)) {
            return std::nullopt;
        }
        return std::string(*claimed);
    }
    // A worker that named itself keeps its name when a later message (a plain
    // sd_notify("WATCHDOG=1")) does not repeat it.
    return existing != nullptr ? existing->name : default_name(sender);
}

bool Broker::Impl::may_take_over(const Worker& holder, const Sender& sender) noexcept {
    if (holder.source == Source::probe) {
        return true; // a probed worker that reports too: its process speaks for it
    }
    return sender.source != Source::spawned && holder.source != Source::spawned &&
           !sender.unit.empty() && holder.unit == sender.unit;
}

Verdict Broker::Impl::admit_and_apply(const Sender& sender, const proto::Message& message,
                                      TimePoint now) {
    // Cheapest checks first: a flood must cost as little as possible.
    if (!limiter.allow(RateLimiter::key_of(sender), now)) {
        return Verdict::rate_limited;
    }
    if (is_lone_barrier(message)) {
        return Verdict::accepted; // the shell answers it by closing the fd
    }
    if (message.barrier()) {
        return Verdict::forbidden_key; // BARRIER=1 comes alone, or it is no barrier
    }
    if (sender.source == Source::dbus && has_key_refused_over_dbus(message)) {
        // A D-Bus caller gets an answer, so it learns of the key at once
        // (AccessDenied naming the call) instead of from our log.
        return Verdict::forbidden_key;
    }
    const AllowRule* rule = policy.rule_for(sender);
    if (rule == nullptr) {
        return Verdict::unauthorised;
    }
    const std::vector<Worker*> mine = registry.of_sender(sender);
    const auto named = message.get("X_WORKER");
    if (!named && !mine.empty()) {
        // One process may speak for several workers (a pool master, a script
        // reporting for each child): a message without a name is for each of
        // them, as far as the rules still give it their names.
        std::vector<WorkerId> ids;
        for (const Worker* own : mine) {
            if (Policy::may_claim(*rule, own->name) && group_of(own->name)) {
                ids.push_back(own->id);
            }
        }
        if (ids.empty()) {
            return Verdict::name_denied;
        }
        for (const WorkerId id : ids) {
            if (Worker* own = registry.find(id)) { // STOPPING=1 removes as it goes
                apply(*own, message, now);
            }
        }
        return Verdict::accepted;
    }
    auto claimed = claimed_name(sender, message, nullptr);
    if (!claimed) {
        return Verdict::invalid_name;
    }
    std::string name = std::move(*claimed);
    if (!Policy::may_claim(*rule, name)) {
        return Verdict::name_denied;
    }
    const auto group = group_of(name);
    if (!group) {
        return Verdict::name_denied; // no group takes this name
    }
    const auto own = std::find_if(mine.begin(), mine.end(),
                                  [&](const Worker* candidate) { return candidate->name == name; });
    if (own != mine.end()) {
        apply(**own, message, now);
        return Verdict::accepted;
    }
    // A sender known only by default (its unit, pid:N) that names itself is
    // renamed; one that named itself before and names another is one more worker.
    Worker* existing = mine.size() == 1 && !mine.front()->named ? mine.front() : nullptr;
    if (state == BrokerState::stopping) {
        return Verdict::stopping;
    }
    Worker* holder = registry.find_name(name);
    if (holder != nullptr && !may_take_over(*holder, sender)) {
        // The name is another live process's (the core has not seen it
        // exit) and the policy gives it to nobody else meanwhile. A restart
        // whose old process has exited but whose exit we have not seen yet:
        // the shell checks the holder's pidfd and offers the message again.
        return Verdict::name_held;
    }
    const std::size_t others = registry.size() - (existing != nullptr ? 1 : 0);
    if (holder == nullptr && others >= config.max_workers) {
        return Verdict::too_many_workers;
    }
    if (existing != nullptr) {
        // The sender renamed itself: its old identity leaves quietly.
        deadlines.erase(existing->id);
        registry.remove(existing->id);
    }
    if (holder == nullptr && message.stopping()) {
        return Verdict::accepted; // says goodbye before hello: nothing to track
    }
    if (holder != nullptr && !message.contains("X_WORKER") && name == sender.unit) {
        // Another process of the unit the worker is named after: a script's
        // next short-lived `notify-broker --status=...`. The same worker, whose
        // state and deadlines stand.
        registry.rebind(*holder, sender);
        apply(*holder, message, now);
        return Verdict::accepted;
    }
    Worker* worker = nullptr;
    if (holder != nullptr) {
        // The same unit's next process (a restart whose exit we have not seen yet).
        registry.rebind(*holder, sender);
        registry.set_state(*holder, WorkerState::starting);
        registry.set_status(*holder, {});
        holder->failure.clear(); // the new process has said nothing wrong yet
        holder->failure_note.clear();
        holder->last_ping.reset();
        worker = holder;
    } else {
        Worker fresh;
        fresh.name = std::move(name);
        fresh.named = named.has_value();
        fresh.group = *group;
        fresh.source = sender.source;
        fresh.pid = sender.pid;
        fresh.uid = sender.uid;
        fresh.unit = sender.unit;
        fresh.bus_name = sender.source == Source::dbus ? sender.bus_name : std::string();
        departed.forget_name(fresh.name);
        worker = &registry.add(std::move(fresh));
    }
    arm(*worker, now);
    apply(*worker, message, now);
    return Verdict::accepted;
}

void Broker::Impl::count_ignored(const proto::Message& message) noexcept {
    for (const auto& assignment : message.assignments()) {
        const std::size_t row = worker_key_index(assignment.key);
        if (worker_keys()[row].use == KeyUse::ignored) {
            ++ignored_counts[row];
        }
    }
}

void Broker::Impl::apply(Worker& worker, const proto::Message& message, TimePoint now) {
    if (const auto status = message.status()) {
        registry.set_status(worker, sanitize_text(*status, config.max_status_length));
    }
    if (message.stopping()) {
        leave(worker.id, WorkerState::stopping);
        return;
    }
    record_failure(worker, message);
    if (const auto usec = message.watchdog_usec()) {
        set_watchdog(worker, *usec, now); // before READY=1, which arms it
    }
    if (message.reloading()) {
        registry.set_state(worker, WorkerState::reloading);
        worker.reloading_at = now;
        worker.said_ready = false;
        arm(worker, now);
    }
    if (message.ready()) {
        worker.said_ready = true;
    }
    if (message.ready() &&
        !(worker.state == WorkerState::late && worker.late == LateReason::probe)) {
        become_ready(worker, now); // a failing probe keeps it late: either source can
        if (reload_round.reloaded(worker.name)) {
            ++own_version; // progress, or a missed worker is back
        }
    }
    if (const auto watchdog = message.watchdog()) {
        if (*watchdog == proto::WatchdogKind::trigger) {
            mark_late(worker, LateReason::watchdog); // the worker says it is hung
        } else {
            worker.last_ping = now;
            if (worker.state == WorkerState::ready ||
                (worker.state == WorkerState::late && worker.late == LateReason::watchdog)) {
                registry.set_state(worker, WorkerState::ready);
                arm(worker, now);
            }
        }
    }
    if (const auto extend = message.extend_timeout_usec()) {
        // Up to 2^64-1 µs on the wire: clamped to what a duration holds, and
        // every deadline made from it saturates (saturating_add), never wraps.
        const auto by = std::chrono::microseconds(static_cast<std::int64_t>(
            std::min<std::uint64_t>(*extend, std::chrono::microseconds::max().count())));
        // EXTEND_TIMEOUT_USEC counts from now, and only stretches a start
        // deadline that exists (a group without start_timeout has none).
        const bool waiting =
            worker.state == WorkerState::starting || worker.state == WorkerState::reloading ||
            (worker.state == WorkerState::late && worker.late == LateReason::start_timeout);
        const GroupConfig* group = group_config(worker);
        if (waiting && group != nullptr && group->start_timeout.count() > 0) {
            if (worker.state == WorkerState::late) {
                registry.set_state(worker, WorkerState::starting);
            }
            const TimePoint until = saturating_add(now, by);
            const auto current = deadlines.of(worker.id);
            deadlines.set(worker.id, current ? std::max(*current, until) : until);
        }
        // Upstream it stretches the broker's own start, which waits for the
        // required workers only: so only one of those that is not ready yet may
        // ask, only before READY=1, and for at most max_extend_timeout.
        const bool required = group != nullptr && group->required;
        if (waiting && required && state == BrokerState::starting &&
            config.max_extend_timeout.count() > 0) {
            scheduler.extend(std::min(by, config.max_extend_timeout));
        }
    }
}

namespace {

// A varlink error name is an interface-qualified name: "io.systemd.Foo.Bar".
bool is_varlink_error_name(std::string_view name) noexcept {
    constexpr std::size_t longest = 255;
    if (name.empty() || name.size() > longest || name.find('.') == std::string_view::npos ||
        name.front() == '.' || name.back() == '.') {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

void append(std::string& text, std::string_view part) {
    if (!text.empty()) {
        text += ", ";
    }
    text += part;
}

} // namespace

void Broker::Impl::record_failure(Worker& worker, const proto::Message& message) {
    std::string failure;
    // Values were checked by parse() (ERRNO 0..4095, EXIT_STATUS 0..255, a
    // D-Bus error name), except VARLINKERROR, which systemd 252 does not know.
    if (const auto error = message.errno_value(); error && *error != 0) {
        append(failure, "errno " + std::to_string(*error));
    }
    if (const auto bus_error = message.bus_error()) {
        append(failure, "bus error " + std::string(*bus_error));
    }
    if (const auto varlink = message.get("VARLINKERROR")) {
        if (is_varlink_error_name(*varlink)) {
            append(failure, "varlink error " + std::string(*varlink));
        } else {
            key_refusals.emplace_back("VARLINKERROR must be an interface-qualified error name");
        }
    }
    if (const auto status = message.exit_status()) {
        append(failure, "exit status " + std::to_string(*status));
    }
    if (failure.empty()) {
        return;
    }
    worker.failure_note = "failed: " + failure;
    worker.failure = std::move(failure);
    registry.touch();
}

void Broker::Impl::set_watchdog(Worker& worker, std::uint64_t usec, TimePoint now) {
    const GroupConfig* group = group_config(worker);
    if (group == nullptr) {
        return; // counted nowhere: no deadline to set
    }
    const auto low = static_cast<std::uint64_t>(group->worker_watchdog_min.count());
    const auto high = static_cast<std::uint64_t>(group->worker_watchdog_max.count());
    if (usec < low || usec > high) {
        key_refusals.push_back("WATCHDOG_USEC=" + std::to_string(usec) + " is outside group " +
                               group->name + "'s bounds " + std::to_string(low) + " to " +
                               std::to_string(high) + " us (worker_watchdog_min/_max)");
        return;
    }
    worker.watchdog = std::chrono::microseconds(static_cast<std::int64_t>(usec));
    if (worker.state == WorkerState::ready) {
        arm(worker, now);
    }
}

void Broker::Impl::become_ready(Worker& worker, TimePoint now) {
    const bool progress = worker.state != WorkerState::ready;
    if (!worker.failure.empty()) {
        worker.failure.clear(); // it recovered
        worker.failure_note.clear();
        registry.touch();
    }
    registry.set_state(worker, WorkerState::ready);
    if (progress) {
        note(BrokerEvent::Kind::worker_ready, worker, {});
    }
    arm(worker, now);
    // Progress is a required worker getting ready: an optional one (or one
    // counted nowhere) toggling RELOADING=1/READY=1 must not keep the start open.
    const GroupConfig* group = group_config(worker);
    const bool required = group != nullptr && group->required;
    if (progress && required && state == BrokerState::starting &&
        config.extend_timeout.count() > 0) {
        scheduler.extend(config.extend_timeout);
    }
}

void Broker::Impl::mark_late(Worker& worker, LateReason reason) {
    if (worker.state != WorkerState::late) {
        note(BrokerEvent::Kind::worker_late, worker,
             reason == LateReason::watchdog ? "watchdog" : "start timeout");
    }
    registry.set_state(worker, WorkerState::late, reason);
    deadlines.erase(worker.id);
    const GroupConfig* group = group_config(worker);
    const bool required = group != nullptr && group->required;
    const bool hung = reason == LateReason::watchdog || reason == LateReason::probe;
    if (hung && required && config.watchdog_trigger && scheduler.ready_sent() &&
        state != BrokerState::stopping) {
        scheduler.trigger();
    }
}

void Broker::Impl::leave(WorkerId id, WorkerState how) {
    Worker* worker = registry.find(id);
    if (worker == nullptr) {
        return;
    }
    note(BrokerEvent::Kind::worker_gone, *worker,
         how == WorkerState::stopping     ? "STOPPING=1"
         : worker->source == Source::dbus ? "left the bus"
                                          : "exited");
    DepartedWorker departed_worker;
    departed_worker.id = id;
    departed_worker.info.name = worker->name;
    departed_worker.info.group = group_name(*worker);
    departed_worker.info.source = worker->source;
    departed_worker.info.pid = worker->pid;
    departed_worker.info.uid = worker->uid;
    departed_worker.info.state = how;
    departed_worker.info.status = worker->status;
    departed_worker.info.failure = worker->failure;
    deadlines.erase(id);
    registry.remove(id);
    departed.add(std::move(departed_worker));
}

std::optional<std::string> Broker::name_for(const Sender& sender,
                                            const proto::Message& message) const {
    return impl_->claimed_name(sender, message, impl_->registry.find_sender(sender));
}

bool Broker::admits(const Sender& process, std::string_view name) const {
    // Only a rule that names units admits a unit: with no [[allow]] rules (or
    // one by uid alone) root's MAINPID= stays within its own ancestors.
    const AllowRule* rule = impl_->policy.rule_for(process);
    const std::string wanted(name);
    return rule != nullptr && rule->unit.has_value() && !process.unit.empty() &&
           Policy::may_claim(*rule, wanted) && impl_->group_of(wanted).has_value();
}

std::optional<pid_t> Broker::holder_of(const Sender& sender, const proto::Message& message) const {
    Impl& impl = *impl_;
    const auto name = impl.claimed_name(sender, message, impl.registry.find_sender(sender));
    if (!name) {
        return std::nullopt;
    }
    const Worker* holder = impl.registry.find_name(*name);
    if (holder == nullptr || holder->source == Source::dbus || holder->source == Source::probe ||
        holder->follows_unit) {
        return std::nullopt;
    }
    return holder->pid;
}

void Broker::on_followed_by_unit(pid_t pid) {
    // Only a worker named after its unit: then the name finds it again, for
    // the unit's next process and for on_unit_gone().
    for (Worker* worker : impl_->registry.of_pid(pid)) {
        if (worker->source == Source::socket && !worker->unit.empty() &&
            worker->name == worker->unit) {
            impl_->registry.follow_unit(*worker);
        }
    }
}

void Broker::on_unit_gone(std::string_view unit, TimePoint now) {
    impl_->expire(now);
    const std::string name(unit);
    if (Worker* worker = impl_->registry.find_name(name);
        worker != nullptr && worker->follows_unit && worker->unit == name) {
        impl_->leave(worker->id, WorkerState::gone);
    }
    impl_->settle(now);
}

std::vector<WorkerInfo> Broker::workers(TimePoint now) const {
    std::vector<WorkerInfo> rows;
    for (const Worker* worker : impl_->registry.in_order()) {
        WorkerInfo row;
        row.name = worker->name;
        row.group = impl_->group_name(*worker);
        row.source = worker->source;
        row.pid = worker->pid;
        row.uid = worker->uid;
        row.state = worker->state;
        row.status = worker->status;
        row.failure = worker->failure;
        if (worker->last_ping) {
            row.last_ping_age =
                std::chrono::duration_cast<std::chrono::microseconds>(now - *worker->last_ping);
        }
        rows.push_back(std::move(row));
    }
    for (const auto& entry : impl_->departed.entries()) {
        rows.push_back(entry.info);
    }
    return rows;
}

} // namespace nb::core
