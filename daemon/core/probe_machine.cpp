#include "core/probe_machine.hpp"

#include "core/saturating_time.hpp"

#include <algorithm>
#include <utility>

namespace nb::core {

ProbeMachine::ProbeMachine(const ProbeTiming& timing, ProbeClock::time_point attached) noexcept
    : timing_(timing)
    , next_(saturating_add(attached, timing.initial_delay)) {
    if (timing_.start_timeout.count() > 0) {
        start_deadline_ = saturating_add(attached, timing_.start_timeout);
    }
}

std::optional<ProbeClock::time_point> ProbeMachine::next_run() const noexcept {
    if (running_) {
        return std::nullopt;
    }
    return next_;
}

std::optional<ProbeClock::time_point> ProbeMachine::next_deadline() const noexcept {
    std::optional<ProbeClock::time_point> earliest = next_run();
    if (start_deadline_ && phase_ == ProbePhase::starting && !start_late_sent_) {
        earliest = earliest ? std::min(*earliest, *start_deadline_) : *start_deadline_;
    }
    return earliest;
}

void ProbeMachine::started(ProbeClock::time_point now) noexcept {
    running_ = true;
    ran_ = true;
    started_at_ = now;
    fresh_run_ = fresh_since_ && now >= *fresh_since_;
    // The period counts from the start of a probe, as Kubernetes' does; a
    // probe that overruns it is followed at once by the next one.
    next_ = saturating_add(now, timing_.interval);
}

std::optional<ProbeVerdict> ProbeMachine::finished(bool healthy,
                                                   ProbeClock::time_point now) noexcept {
    running_ = false;
    next_ = std::max(next_, now);
    if (std::exchange(fresh_run_, false)) {
        fresh_successes_ = healthy ? fresh_successes_ + 1 : 0;
        if (fresh_successes_ >= timing_.success_threshold) {
            fresh_since_.reset();
            fresh_successes_ = 0;
            reprobed_ = true;
        }
    }
    if (healthy) {
        failures_ = 0;
        successes_ = std::min(successes_ + 1, timing_.success_threshold);
        if (phase_ == ProbePhase::ready) {
            return ProbeVerdict::alive;
        }
        if (successes_ >= timing_.success_threshold) {
            phase_ = ProbePhase::ready;
            return ProbeVerdict::ready;
        }
        return std::nullopt;
    }
    successes_ = 0;
    if (phase_ != ProbePhase::ready) {
        // Starting: the startup probe's failures are expected (the service is
        // still coming up); only start_timeout makes it late. Late: already so.
        return std::nullopt;
    }
    failures_ = std::min(failures_ + 1, timing_.failure_threshold);
    if (failures_ >= timing_.failure_threshold) {
        phase_ = ProbePhase::late;
        failures_ = 0;
        return ProbeVerdict::late;
    }
    return std::nullopt;
}

std::optional<ProbeVerdict> ProbeMachine::on_tick(ProbeClock::time_point now) noexcept {
    if (phase_ == ProbePhase::starting && start_deadline_ && !start_late_sent_ &&
        now >= *start_deadline_) {
        start_late_sent_ = true;
        return ProbeVerdict::start_late;
    }
    return std::nullopt;
}

void ProbeMachine::reprobe(ProbeClock::time_point since) noexcept {
    fresh_since_ = since;
    // A running probe counts only if it started after the signal.
    fresh_run_ = running_ && started_at_ >= since;
    fresh_successes_ = 0;
    reprobed_ = false;
    // At once: a reload should not wait out an interval. A probe that never
    // ran keeps its initial delay (the service may still be coming up).
    if (ran_) {
        next_ = std::min(next_, since);
    }
}

bool ProbeMachine::take_reprobed() noexcept {
    return std::exchange(reprobed_, false);
}

} // namespace nb::core
