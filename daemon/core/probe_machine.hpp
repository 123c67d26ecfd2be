#pragma once
// The state of one health probe: when to run it next and what its results
// mean for the worker it stands for. Pure: the shell runs the probe and feeds
// the results in with the time, the core's Broker::on_probe() hears the verdicts.
//
// Kubernetes' semantics, where they fit:
//  - initial_delay, interval, timeout, success_threshold and failure_threshold
//    are initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold
//    and failureThreshold; a timeout is a failure.
//  - Before the first success_threshold successes the probe is a startup
//    probe: failures do not count (they never make a starting worker late);
//    start_timeout does (Kubernetes: failureThreshold * periodSeconds).
//  - Afterwards it is a readiness and liveness probe at once:
//    failure_threshold failures in a row make the worker late (Kubernetes
//    would take it out of the Service, and a liveness probe would restart the
//    container; the broker restarts nothing: a late required worker stops
//    WATCHDOG=1, and systemd acts on the broker's unit), success_threshold
//    successes in a row make it ready again (Kubernetes allows a
//    successThreshold above 1 for readiness only; here it applies to both).
//  - A reload of the pool has no Kubernetes counterpart (a pod's probes do
//    not restart when its ConfigMap changes): reprobe() runs a probe at once
//    and the worker counts as reloaded after success_threshold successes in a
//    row of probes started after the reload signal; a failing one delays
//    that, and only failure_threshold of them make a ready worker late.
//  - A probe of a group's members is one machine per member, as Kubernetes
//    probes each container of a Deployment's pods on its own; unlike a
//    readiness probe it does not hold back a member that reports: that one is
//    ready by its own READY=1, and the probe can only make it late (and clear
//    the lateness it caused, back to what the worker's own messages say).
// Thread-safety: none.

#include "core/probe_spec.hpp"

#include <chrono>
#include <optional>

namespace nb::core {

using ProbeClock = std::chrono::steady_clock;

/// What a probe result or the passing time says of the worker.
enum class ProbeVerdict {
    ready,      ///< success_threshold successes in a row (first time, or after late)
    alive,      ///< one more success of a ready worker (a watchdog ping)
    late,       ///< failure_threshold failures in a row of a ready worker
    start_late, ///< start_timeout passed without getting ready
};

enum class ProbePhase { starting, ready, late };

class ProbeMachine {
public:
    ProbeMachine(const ProbeTiming& timing, ProbeClock::time_point attached) noexcept;

    /// When the next probe should start; empty while one is running.
    [[nodiscard]] std::optional<ProbeClock::time_point> next_run() const noexcept;
    /// The earliest of next_run() and the start deadline: when to call on_tick().
    [[nodiscard]] std::optional<ProbeClock::time_point> next_deadline() const noexcept;
    /// A probe started now; it must finish by now + timeout (the shell cancels it).
    void started(ProbeClock::time_point now) noexcept;
    /// The running probe's result.
    [[nodiscard]] std::optional<ProbeVerdict> finished(bool healthy,
                                                       ProbeClock::time_point now) noexcept;
    /// The start deadline: start_late once, if it passed while starting.
    [[nodiscard]] std::optional<ProbeVerdict> on_tick(ProbeClock::time_point now) noexcept;
    /// The pool reloads (issue 15 B.1), its signal came at `since`: probe
    /// again at once (or as soon as the running probe ends; a probe that
    /// never ran keeps its initial delay), and count success_threshold
    /// successes in a row of probes started at or after `since`. The state
    /// (phase, thresholds) carries on; only the count of fresh successes is new.
    void reprobe(ProbeClock::time_point since) noexcept;
    /// True once, when the fresh probes since reprobe() reached
    /// success_threshold: the worker has been probed again.
    [[nodiscard]] bool take_reprobed() noexcept;

    [[nodiscard]] ProbePhase phase() const noexcept { return phase_; }
    [[nodiscard]] bool running() const noexcept { return running_; }
    [[nodiscard]] const ProbeTiming& timing() const noexcept { return timing_; }

private:
    ProbeTiming timing_;
    ProbeClock::time_point next_;
    std::optional<ProbeClock::time_point> start_deadline_;
    ProbePhase phase_ = ProbePhase::starting;
    bool running_ = false;
    bool start_late_sent_ = false;
    unsigned successes_ = 0; ///< in a row
    unsigned failures_ = 0;  ///< in a row
    /// reprobe(): since when runs count as fresh; reset once they passed.
    std::optional<ProbeClock::time_point> fresh_since_;
    bool fresh_run_ = false;       ///< the running probe started after fresh_since_
    unsigned fresh_successes_ = 0; ///< in a row, of fresh runs
    bool reprobed_ = false;        ///< for take_reprobed()
    bool ran_ = false;             ///< started() was called once
    ProbeClock::time_point started_at_{};
};

} // namespace nb::core
