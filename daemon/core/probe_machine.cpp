#include "core/probe_machine.hpp"

#include "core/saturating_time.hpp"

#include <algorithm>

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
    // The period counts from the start of a probe, as Kubernetes' does; a
    // probe that overruns it is followed at once by the next one.
    next_ = saturating_add(now, timing_.interval);
}

std::optional<ProbeVerdict> ProbeMachine::finished(bool healthy,
                                                   ProbeClock::time_point now) noexcept {
    running_ = false;
    next_ = std::max(next_, now);
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

} // namespace nb::core
