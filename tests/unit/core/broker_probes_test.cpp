// Workers that health probes stand for, as the core sees them (issue 15,
// A.2): ready after the probe's success threshold, late after its failure
// threshold (WATCHDOG=1 stops exactly as for a worker that stopped pinging),
// gone when the probe detaches; a worker that also reports can be made late
// by either source.
#include "harness.hpp"

namespace nb::core::testing {
namespace {

UpstreamContext watchdog_of(std::chrono::microseconds usec) {
    UpstreamContext context;
    context.watchdog = usec;
    return context;
}

const WorkerInfo* row(const Harness& h, const std::string& name) {
    static std::vector<WorkerInfo> rows;
    rows = h.broker.workers(h.now);
    for (const auto& info : rows) {
        if (info.name == name) {
            return &info;
        }
    }
    return nullptr;
}

TEST(AProbedWorker, StartsAsAStartingWorkerOfSourceProbe) {
    Harness h(pool_of(3));
    EXPECT_TRUE(h.broker.on_probe_attached("legacy", h.now));
    const WorkerInfo* info = row(h, "legacy");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->source, Source::probe);
    EXPECT_EQ(info->state, WorkerState::starting);
    EXPECT_EQ(h.broker.counts().known, 1U);
}

TEST(AProbedWorker, CountsInThePoolOnceItsProbeSaysReady) {
    Harness h(pool_of(3));
    h.broker.on_probe_attached("legacy", h.now);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.drain();
    EXPECT_EQ(h.count("READY", "1"), 0U);
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 1U);
}

TEST(AProbedWorker, StopsTheWatchdogWhenLateAndResumesItWhenReadyAgain) {
    Harness h(pool_of(2), watchdog_of(2s));
    h.broker.on_probe_attached("legacy", h.now);
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    h.worker(1, "READY=1");
    h.advance(3s);
    const auto pings = h.count("WATCHDOG", "1");
    EXPECT_GE(pings, 2U);
    h.broker.on_probe("legacy", ProbeVerdict::late, h.now);
    h.drain();
    EXPECT_EQ(row(h, "legacy")->state, WorkerState::late);
    h.advance(5s);
    EXPECT_EQ(h.count("WATCHDOG", "1"), pings) << "a late probed worker gates WATCHDOG=1";
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    h.drain();
    h.advance(2s);
    EXPECT_GT(h.count("WATCHDOG", "1"), pings);
}

TEST(AProbedWorker, FiresWatchdogTriggerWhenConfiguredAsForAHang) {
    BrokerConfig config = pool_of(1);
    config.watchdog_trigger = true;
    Harness h(config, watchdog_of(2s));
    h.broker.on_probe_attached("legacy", h.now);
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    h.drain();
    h.broker.on_probe("legacy", ProbeVerdict::late, h.now);
    h.drain();
    EXPECT_EQ(h.count("WATCHDOG", "trigger"), 1U);
}

TEST(AProbedWorker, IsGoneWhenItsProbeDetaches) {
    Harness h(pool_of(1));
    h.broker.on_probe_attached("legacy@1.service", h.now);
    h.broker.on_probe("legacy@1.service", ProbeVerdict::ready, h.now);
    h.broker.on_probe_detached("legacy@1.service", h.now);
    h.drain();
    EXPECT_EQ(h.broker.counts().known, 0U);
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    const WorkerInfo* info = row(h, "legacy@1.service");
    ASSERT_NE(info, nullptr) << "remembered as departed";
    EXPECT_EQ(info->state, WorkerState::gone);
}

TEST(AProbedWorker, IsLateWhenItsProbeStartTimeoutPasses) {
    Harness h(pool_of(1));
    h.broker.on_probe_attached("legacy", h.now);
    h.broker.on_probe("legacy", ProbeVerdict::start_late, h.now);
    h.drain();
    EXPECT_EQ(row(h, "legacy")->state, WorkerState::late);
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    EXPECT_EQ(row(h, "legacy")->state, WorkerState::ready);
}

TEST(AProbedWorker, StaysReadyWhileEachSuccessPingsItsGroupsWatchdog) {
    Harness h(watched_pool(1));
    h.broker.on_probe_attached("legacy", h.now);
    h.broker.on_probe("legacy", ProbeVerdict::ready, h.now);
    for (int i = 0; i < 5; ++i) {
        h.advance(8s);
        h.broker.on_probe("legacy", ProbeVerdict::alive, h.now);
    }
    EXPECT_EQ(row(h, "legacy")->state, WorkerState::ready);
    h.advance(11s);
    EXPECT_EQ(row(h, "legacy")->state, WorkerState::late) << "no success, no ping";
}

TEST(AProbedWorker, IsNotAttachedWhenNoGroupTakesItsName) {
    BrokerConfig config = pool_of(1);
    config.groups[0].match = {"web-*"};
    Harness h(config);
    EXPECT_FALSE(h.broker.on_probe_attached("legacy", h.now));
    EXPECT_EQ(h.broker.counts().known, 0U);
}

TEST(AWorkerThatReportsAndIsProbed, IsLateWhenItsProbeFailsThoughItPings) {
    Harness h(watched_pool(1), watchdog_of(2s));
    h.broker.on_probe_attached("web-1", h.now);
    EXPECT_EQ(h.worker(1, "READY=1"), Verdict::accepted) << "its process takes the probe's worker";
    EXPECT_EQ(row(h, "web-1")->source, Source::socket);
    h.broker.on_probe("web-1", ProbeVerdict::ready, h.now);
    h.broker.on_probe("web-1", ProbeVerdict::late, h.now);
    h.drain();
    h.worker(1, "WATCHDOG=1");
    h.worker(1, "READY=1");
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::late) << "only the probe clears its lateness";
    const auto pings = h.count("WATCHDOG", "1");
    h.advance(3s);
    EXPECT_EQ(h.count("WATCHDOG", "1"), pings);
    h.broker.on_probe("web-1", ProbeVerdict::ready, h.now);
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::ready);
}

TEST(AWorkerThatReportsAndIsProbed, IsLateWhenItStopsPingingThoughItsProbePasses) {
    Harness h(watched_pool(1));
    h.broker.on_probe_attached("web-1", h.now);
    h.worker(1, "READY=1");
    h.broker.on_probe("web-1", ProbeVerdict::ready, h.now);
    for (int i = 0; i < 3; ++i) {
        h.advance(4s);
        h.broker.on_probe("web-1", ProbeVerdict::alive, h.now);
    }
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::late)
        << "a passing probe is no WATCHDOG=1 of a worker that reports";
}

TEST(AWorkerThatReportsAndIsProbed, StaysStartingWhenItsProbeRecoversBeforeItSaidReady) {
    Harness h(pool_of(1));
    h.broker.on_probe_attached("web-1", h.now);
    EXPECT_EQ(h.worker(1, "STATUS=warming up"), Verdict::accepted);
    h.broker.on_probe("web-1", ProbeVerdict::ready, h.now);
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::starting) << "a reporting worker's own READY=1";
    h.broker.on_probe("web-1", ProbeVerdict::late, h.now);
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::late);
    h.broker.on_probe("web-1", ProbeVerdict::ready, h.now);
    h.drain();
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::starting)
        << "the probe's recovery returns it to what its own reports say: no READY=1 yet";
    EXPECT_EQ(h.count("READY", "1"), 0U);
    h.worker(1, "READY=1");
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::ready);
}

TEST(AWorkerThatReportsAndIsProbed, IsReadyAfterItsProbeRecoversWhenItSaidReadyWhileLate) {
    Harness h(pool_of(1));
    h.broker.on_probe_attached("web-1", h.now);
    h.worker(1, "STATUS=warming up");
    h.broker.on_probe("web-1", ProbeVerdict::late, h.now);
    h.worker(1, "READY=1");
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::late) << "only the probe clears its lateness";
    h.broker.on_probe("web-1", ProbeVerdict::ready, h.now);
    h.drain();
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 1U);
}

TEST(AWorkerThatReportsAndIsProbed, IsReloadingAgainWhenItsProbeRecoversDuringItsOwnReload) {
    Harness h(pool_of(1));
    h.broker.on_probe_attached("web-1", h.now);
    h.worker(1, "READY=1");
    h.worker(1, "RELOADING=1");
    h.broker.on_probe("web-1", ProbeVerdict::late, h.now);
    h.broker.on_probe("web-1", ProbeVerdict::ready, h.now);
    EXPECT_EQ(row(h, "web-1")->state, WorkerState::reloading);
}

TEST(AProbedWorker, IsNotSavedForASuccessor) {
    Harness h(pool_of(2));
    h.broker.on_probe_attached("legacy", h.now);
    h.worker(1, "READY=1");
    const StateSnapshot snapshot = h.broker.export_state(h.now);
    ASSERT_EQ(snapshot.workers.size(), 1U);
    EXPECT_EQ(snapshot.workers[0].name, "web-1");
}

} // namespace
} // namespace nb::core::testing
