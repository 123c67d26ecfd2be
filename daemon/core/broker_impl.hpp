#pragma once
// The state behind Broker, shared by broker.cpp (lifecycle, state, timers) and
// broker_events.cpp (worker messages and departures). Internal to the core.

#include "core/broker.hpp"
#include "core/deadline_queue.hpp"
#include "core/departed_workers.hpp"
#include "core/policy.hpp"
#include "core/rate_limiter.hpp"
#include "core/readiness_rule.hpp"
#include "core/reload_round.hpp"
#include "core/state_snapshot.hpp"
#include "core/status_composer.hpp"
#include "core/upstream_scheduler.hpp"
#include "core/worker_registry.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nb::core {

/// Departed workers remembered to explain a shortfall.
inline constexpr std::size_t departed_capacity = 64;
/// Bytes of a rejected config's error quoted in STATUS.
inline constexpr std::size_t max_reload_error_length = 200;

struct Broker::Impl {
    Impl(BrokerConfig broker_config, UpstreamContext upstream_context, TimePoint now);

    // --- broker_events.cpp -----------------------------------------------
    Verdict admit_and_apply(const Sender& sender, const proto::Message& message, TimePoint now);
    /// Applies the keys the table (core/worker_keys.cpp) gives a meaning,
    /// key by key; counts the others.
    void apply(Worker& worker, const proto::Message& message, TimePoint now);
    void count_ignored(const proto::Message& message) noexcept;
    /// WATCHDOG_USEC=: the worker's own watchdog, within its group's bounds.
    void set_watchdog(Worker& worker, std::uint64_t usec, TimePoint now);
    /// ERRNO=, BUSERROR=, VARLINKERROR=, EXIT_STATUS=: recorded on the worker.
    void record_failure(Worker& worker, const proto::Message& message);
    void become_ready(Worker& worker, TimePoint now);
    void mark_late(Worker& worker, LateReason reason);
    /// The worker is no longer live: `how` is gone (exit, bus) or stopping (STOPPING=1).
    void leave(WorkerId id, WorkerState how);
    [[nodiscard]] std::string default_name(const Sender& sender) const;
    /// The name a message claims for its sender (X_WORKER=, else the name of
    /// `existing`, the sender's worker, else default_name()); empty when
    /// X_WORKER= is not a valid name.
    [[nodiscard]] std::optional<std::string>
    claimed_name(const Sender& sender, const proto::Message& message, const Worker* existing) const;
    /// Whether `sender`, a process other than the one `holder` is bound to,
    /// may take holder's name while holder lives: only as the next process of
    /// the same unit (both units known and equal; not the broker's own
    /// children, who all share the broker's unit).
    [[nodiscard]] static bool may_take_over(const Worker& holder, const Sender& sender) noexcept;

    // --- broker.cpp --------------------------------------------------------
    /// Late workers for every deadline up to `now`.
    void expire(TimePoint now);
    /// After every event: state transitions, then at most one upstream datagram.
    void settle(TimePoint now);
    void apply_config(BrokerConfig new_config, TimePoint now);
    /// (Re)starts the worker's deadline for its current state.
    void arm(const Worker& worker, TimePoint now);
    [[nodiscard]] bool healthy() const noexcept;
    [[nodiscard]] std::optional<std::size_t> group_of(const std::string& name) const;
    /// The current rules still admit the restored worker under its name.
    [[nodiscard]] bool still_admitted(const WorkerRecord& record) const;
    /// The restored worker's sender does not clash with one restored before it
    /// (several workers of one process only when each was named).
    [[nodiscard]] bool may_restore_beside(const WorkerRecord& record);
    [[nodiscard]] const GroupConfig* group_named(const std::string& name) const noexcept;
    /// The group a worker counts in; nullptr when it fits none (counted nowhere).
    [[nodiscard]] const GroupConfig* group_config(const Worker& worker) const noexcept;
    /// That group's name; empty when it fits none.
    [[nodiscard]] std::string group_name(const Worker& worker) const;
    [[nodiscard]] const std::string& status_text() const;
    [[nodiscard]] StatusFacts facts() const;
    [[nodiscard]] ReadinessRule rule() const noexcept { return ReadinessRule(config.groups); }
    /// Grows on every observable change.
    [[nodiscard]] std::uint64_t version() const noexcept {
        return registry.version() + departed.version() + own_version;
    }
    void set_state(BrokerState next) noexcept;
    /// After the config of a reload: wait for the workers that reload
    /// (reload_round.hpp), or end the reload at once when there are none.
    void await_reload(TimePoint now);
    /// The round is over: READY=1, and ready or degraded as the rule and the
    /// missed workers' reload_outcome say.
    void conclude_reload(TimePoint now);
    /// Its probe's lateness is over (broker_probes.cpp): back to what its own
    /// reports say (a probe-only worker: ready).
    void return_to_own_state(Worker& worker, TimePoint now);
    /// A missed worker's group says reload_outcome = "degraded".
    [[nodiscard]] bool degraded_by_reload() const;
    /// Queues an event for take_events() (dropped beyond max_pending_events).
    void note(BrokerEvent event) noexcept;
    void note(BrokerEvent::Kind kind, const Worker& worker, std::string reason) noexcept;

    BrokerConfig config;
    UpstreamContext upstream;
    Policy policy;
    RateLimiter limiter;
    StatusComposer composer;
    WorkerRegistry registry;
    DepartedWorkers departed{departed_capacity};
    DeadlineQueue deadlines;
    UpstreamScheduler scheduler;
    BrokerState state = BrokerState::starting;
    std::string reload_error;
    ReloadRound reload_round;
    /// Changed settings that wait for a restart ("broker.socket").
    std::vector<std::string> restart_needed;
    /// finish_reload() ran and reload_round is being waited for.
    bool reload_waiting = false;
    std::uint64_t own_version = 0;
    std::uint64_t seen_version = ~std::uint64_t{0};
    std::uint64_t generation = 0;
    std::vector<BrokerEvent> events;
    /// Per row of worker_keys(): how often a key of that row was ignored.
    std::vector<std::uint64_t> ignored_counts;
    /// Keys of the current message refused one by one (Broker::key_refusals()).
    std::vector<std::string> key_refusals;
    mutable std::string status_cache;
    mutable std::uint64_t status_cache_version = ~std::uint64_t{0};
};

/// Bucket table size: every worker plus as many short-lived strangers.
[[nodiscard]] std::size_t rate_limiter_capacity(const BrokerConfig& config) noexcept;

} // namespace nb::core
