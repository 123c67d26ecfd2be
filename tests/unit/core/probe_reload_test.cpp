// Probed workers on a pool reload (issue 15 B.1), with the fake clock: the
// probe machine runs again at once and says when probes started after the
// reload signal reached their success threshold; the broker counts a worker
// only a probe stands for as reloaded then, or names it once its group's
// reload_timeout passed.
#include "core/probe_machine.hpp"
#include "harness.hpp"

namespace nb::core::testing {
namespace {

const ProbeClock::time_point t0 = ProbeClock::time_point{} + 1000s;

ProbeTiming every_second(unsigned successes) {
    ProbeTiming t;
    t.interval = 1s;
    t.timeout = 500ms;
    t.success_threshold = successes;
    t.failure_threshold = 3;
    return t;
}

TEST(AReprobedMachine, ProbesAgainAtOnceAndSaysSoAfterItsSuccessThreshold) {
    ProbeMachine machine(every_second(2), t0);
    for (int i = 0; i < 2; ++i) {
        const auto at = *machine.next_run();
        machine.started(at);
        (void)machine.finished(true, at + 10ms);
    }
    ASSERT_EQ(machine.phase(), ProbePhase::ready);
    EXPECT_FALSE(machine.take_reprobed()) << "no reload yet";
    const auto signal = t0 + 1500ms;
    machine.reprobe(signal);
    EXPECT_EQ(*machine.next_run(), signal) << "at once, not a whole interval later";
    machine.started(signal);
    EXPECT_EQ(machine.finished(true, signal + 10ms), ProbeVerdict::alive);
    EXPECT_FALSE(machine.take_reprobed()) << "one of two successes";
    machine.started(signal + 1s);
    (void)machine.finished(true, signal + 1s + 10ms);
    EXPECT_TRUE(machine.take_reprobed());
    EXPECT_FALSE(machine.take_reprobed()) << "once";
    machine.started(signal + 2s);
    (void)machine.finished(true, signal + 2s + 10ms);
    EXPECT_FALSE(machine.take_reprobed()) << "until the next reload";
}

TEST(AReprobedMachine, DoesNotCountAProbeThatStartedBeforeTheSignal) {
    ProbeMachine machine(every_second(1), t0);
    machine.started(t0);
    machine.reprobe(t0 + 100ms);
    (void)machine.finished(true, t0 + 200ms);
    EXPECT_FALSE(machine.take_reprobed()) << "that probe answered for the old state";
    EXPECT_EQ(*machine.next_run(), t0 + 200ms) << "a fresh one follows at once";
    machine.started(t0 + 200ms);
    (void)machine.finished(true, t0 + 210ms);
    EXPECT_TRUE(machine.take_reprobed());
}

TEST(AReprobedMachine, StartsCountingAgainAfterAFailure) {
    ProbeMachine machine(every_second(2), t0);
    machine.reprobe(t0);
    for (const bool healthy : {true, false, true}) {
        const auto at = *machine.next_run();
        machine.started(at);
        (void)machine.finished(healthy, at + 10ms);
        EXPECT_FALSE(machine.take_reprobed());
    }
    const auto at = *machine.next_run();
    machine.started(at);
    (void)machine.finished(true, at + 10ms);
    EXPECT_TRUE(machine.take_reprobed()) << "two in a row";
}

TEST(AReprobedMachine, KeepsTheInitialDelayOfAProbeThatNeverRan) {
    ProbeTiming t = every_second(1);
    t.initial_delay = 5s;
    ProbeMachine machine(t, t0);
    machine.reprobe(t0 + 1s);
    EXPECT_EQ(*machine.next_run(), t0 + 5s);
}

/// pool_of(n) whose workers reload with the pool, waited for 5 s.
BrokerConfig reloading_pool(unsigned n) {
    BrokerConfig config = pool_of(n);
    config.groups[0].reload_timeout = 5s;
    return config;
}

TEST(AProbedWorkerInAPoolReload, CountsAsReloadedOnceItsFreshProbesPassed) {
    Harness h(reloading_pool(2));
    h.broker.on_probe_attached("legacy", h.now);
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    h.worker(1, "READY=1");
    h.drain();
    ASSERT_EQ(h.broker.state(), BrokerState::ready);
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(reloading_pool(2), {}, h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);
    h.worker(1, "READY=1");
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::reloading) << "the probed worker is still awaited";
    EXPECT_EQ(h.last_status(), "2/2 workers ready; reloading: 1/2 workers reloaded");
    h.advance(1s);
    h.broker.on_probe_reloaded("legacy", h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 2U) << "the reload's READY=1";
}

TEST(AProbedWorkerInAPoolReload, IsNamedWhenItsProbeKeepsFailingPastTheReloadTimeout) {
    Harness h(reloading_pool(2));
    h.broker.on_probe_attached("legacy", h.now);
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    h.worker(1, "READY=1");
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(reloading_pool(2), {}, h.now);
    h.worker(1, "READY=1");
    h.drain();
    const auto before = h.count("READY", "1");
    h.advance(6s);
    EXPECT_EQ(h.count("READY", "1"), before + 1) << "the reload completes after its timeout";
    EXPECT_NE(h.last_status().find("did not reload: legacy"), std::string::npos) << h.last_status();
}

TEST(AReportingWorkerThatIsProbed, ReloadsByItsOwnReadyNotByItsProbe) {
    Harness h(reloading_pool(1));
    h.broker.on_probe_attached("web-1", h.now);
    h.worker(1, "READY=1");
    h.broker.begin_reload(h.now);
    h.broker.finish_reload(reloading_pool(1), {}, h.now);
    h.broker.on_probe_reloaded("web-1", h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::reloading);
    h.worker(1, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(AReportingWorkerThatIsProbed, ReturnsToItsOwnStateWhenItsProbeIsRemovedWhileLate) {
    Harness h(pool_of(1));
    h.broker.on_probe_attached("web-1", h.now);
    h.worker(1, "READY=1");
    h.broker.on_probe("web-1", ProbeVerdict::late, h.now);
    h.broker.on_probe_detached("web-1", h.now);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].state, WorkerState::ready) << "no probe is left to clear its lateness";
}

} // namespace
} // namespace nb::core::testing
