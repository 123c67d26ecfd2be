// The probe state machine (core/probe_machine.hpp) with a fake clock:
// Kubernetes' startup, readiness and liveness semantics (issue 15, A.1).
#include "core/probe_machine.hpp"

#include <gtest/gtest.h>

namespace nb::core {
namespace {

using namespace std::chrono_literals;
const ProbeClock::time_point t0 = ProbeClock::time_point{} + 1000s;

ProbeTiming timing(unsigned successes, unsigned failures) {
    ProbeTiming t;
    t.interval = 1s;
    t.timeout = 500ms;
    t.success_threshold = successes;
    t.failure_threshold = failures;
    return t;
}

/// Runs one probe at the time the machine asks for, with this result.
std::optional<ProbeVerdict> run(ProbeMachine& machine, bool healthy) {
    const auto at = *machine.next_run();
    machine.started(at);
    return machine.finished(healthy, at + 10ms);
}

TEST(AProbeMachine, FirstProbesAfterTheInitialDelay) {
    ProbeTiming t = timing(1, 3);
    t.initial_delay = 5s;
    ProbeMachine machine(t, t0);
    EXPECT_EQ(*machine.next_run(), t0 + 5s);
    machine.started(t0 + 5s);
    EXPECT_FALSE(machine.next_run()) << "never two probes at once";
    EXPECT_EQ(machine.finished(true, t0 + 5s + 10ms), ProbeVerdict::ready);
    EXPECT_EQ(*machine.next_run(), t0 + 6s) << "the interval counts from the probe's start";
}

TEST(AProbeMachine, IsReadyOnlyAfterItsSuccessThresholdInARow) {
    ProbeMachine machine(timing(3, 3), t0);
    EXPECT_FALSE(run(machine, true));
    EXPECT_FALSE(run(machine, true));
    EXPECT_FALSE(run(machine, false)) << "a startup failure resets the count, no more";
    EXPECT_FALSE(run(machine, true));
    EXPECT_FALSE(run(machine, true));
    EXPECT_EQ(run(machine, true), ProbeVerdict::ready);
    EXPECT_EQ(machine.phase(), ProbePhase::ready);
    EXPECT_EQ(run(machine, true), ProbeVerdict::alive);
}

TEST(AProbeMachine, NeverMakesAStartingWorkerLateByFailuresAlone) {
    ProbeMachine machine(timing(1, 2), t0);
    for (int i = 0; i < 10; ++i) {
        EXPECT_FALSE(run(machine, false));
    }
    EXPECT_EQ(machine.phase(), ProbePhase::starting);
}

TEST(AProbeMachine, IsLateAfterItsFailureThresholdInARowAndReadyAgainAfterSuccesses) {
    ProbeMachine machine(timing(2, 3), t0);
    run(machine, true);
    ASSERT_EQ(run(machine, true), ProbeVerdict::ready);
    EXPECT_FALSE(run(machine, false));
    EXPECT_FALSE(run(machine, false));
    EXPECT_EQ(run(machine, true), ProbeVerdict::alive) << "a success in between resets";
    EXPECT_FALSE(run(machine, false));
    EXPECT_FALSE(run(machine, false));
    EXPECT_EQ(run(machine, false), ProbeVerdict::late);
    EXPECT_EQ(machine.phase(), ProbePhase::late);
    EXPECT_FALSE(run(machine, false)) << "late once, not on every failure";
    EXPECT_FALSE(run(machine, true));
    EXPECT_EQ(run(machine, true), ProbeVerdict::ready);
}

TEST(AProbeMachine, SaysStartLateOnceWhenTheStartTimeoutPasses) {
    ProbeTiming t = timing(1, 3);
    t.start_timeout = 3500ms;
    ProbeMachine machine(t, t0);
    EXPECT_EQ(*machine.next_deadline(), t0);
    EXPECT_FALSE(machine.on_tick(t0 + 3s));
    run(machine, false);
    run(machine, false);
    run(machine, false);
    EXPECT_EQ(*machine.next_deadline(), t0 + 3s);
    machine.started(t0 + 3s);
    EXPECT_EQ(*machine.next_deadline(), t0 + 3500ms) << "the start deadline while probing";
    EXPECT_EQ(machine.on_tick(t0 + 3500ms), ProbeVerdict::start_late);
    EXPECT_FALSE(machine.on_tick(t0 + 4s));
    EXPECT_FALSE(machine.next_deadline()) << "running, start deadline spent";
    EXPECT_EQ(machine.finished(true, t0 + 4s), ProbeVerdict::ready) << "late starters recover";
}

TEST(AProbeMachine, StartsTheNextProbeAtOnceAfterOneThatOverranItsInterval) {
    ProbeMachine machine(timing(1, 3), t0);
    machine.started(t0);
    EXPECT_EQ(machine.finished(true, t0 + 2500ms), ProbeVerdict::ready);
    EXPECT_EQ(*machine.next_run(), t0 + 2500ms);
}

} // namespace
} // namespace nb::core
