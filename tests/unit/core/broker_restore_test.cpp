// Restarts: a broker hands its worker table to its successor (export_state ->
// bytes -> import_state), and the successor is ready at once, without a word
// from the workers, while keeping every worker's name, pid, status and
// watchdog standing.
#include "core/state_codec.hpp"
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// A fresh broker at `h.now`, fed the snapshot before anything was drained,
/// as the shell does after a restart.
std::size_t restore(Harness& h, const StateSnapshot& snapshot) {
    h.sent.clear();
    h.taken = 0;
    const std::size_t taken = h.broker.import_state(snapshot, h.now);
    h.drain();
    return taken;
}

/// Through the byte form, as across a real restart.
StateSnapshot carried(const Broker& broker, TimePoint now) {
    auto decoded = decode_snapshot(encode_snapshot(broker.export_state(now)));
    EXPECT_TRUE(decoded.ok()) << decoded.error().message;
    return decoded.ok() ? decoded.value() : StateSnapshot{};
}

TEST(ARestoredPoolOfFourReadyWorkers, IsReadyAtOnceWithoutAWordFromThem) {
    Harness before(pool_of(4));
    for (unsigned n = 1; n <= 4; ++n) {
        before.worker(n, "READY=1\nSTATUS=serving");
    }
    ASSERT_EQ(before.broker.state(), BrokerState::ready);

    Harness after(pool_of(4));
    after.now = before.now + 2s;
    EXPECT_EQ(restore(after, carried(before.broker, before.now)), 4U);
    EXPECT_EQ(after.broker.state(), BrokerState::ready);
    ASSERT_FALSE(after.sent.empty());
    EXPECT_EQ(value_of(after.sent.front(), "READY"), "1");
    EXPECT_THAT(after.last_status(), HasSubstr("4/4"));
    EXPECT_EQ(after.count("READY", "1"), 1U);
    EXPECT_THAT(after.sent.front(), Not(HasSubstr("0/4")));
}

TEST(ARestoredWorker, KeepsItsNamePidUidGroupStatusAndLastPing) {
    Harness before(watched_pool(2));
    before.send_as(socket_sender(101, 4001), "X_WORKER=web-1\nREADY=1\nSTATUS=one");
    before.advance(1s);
    before.worker(1, "WATCHDOG=1");
    before.send_as(socket_sender(102, 4002), "X_WORKER=web-2\nSTATUS=warming up");
    const auto rows_before = before.broker.workers(before.now);

    Harness after(watched_pool(2));
    after.now = before.now;
    restore(after, carried(before.broker, before.now));
    const auto rows_after = after.broker.workers(after.now);
    ASSERT_EQ(rows_after.size(), rows_before.size());
    for (std::size_t i = 0; i < rows_before.size(); ++i) {
        EXPECT_EQ(rows_after[i].name, rows_before[i].name);
        EXPECT_EQ(rows_after[i].group, rows_before[i].group);
        EXPECT_EQ(rows_after[i].pid, rows_before[i].pid);
        EXPECT_EQ(rows_after[i].uid, rows_before[i].uid);
        EXPECT_EQ(rows_after[i].state, rows_before[i].state);
        EXPECT_EQ(rows_after[i].status, rows_before[i].status);
        EXPECT_EQ(rows_after[i].last_ping_age, rows_before[i].last_ping_age);
    }
}

TEST(ARestoredPartialPool, WaitsForTheRestBeforeReady) {
    Harness before(pool_of(4));
    for (unsigned n = 1; n <= 3; ++n) {
        before.worker(n, "READY=1");
    }
    before.worker(4, "STATUS=loading");
    Harness after(pool_of(4));
    restore(after, carried(before.broker, before.now));
    EXPECT_EQ(after.broker.state(), BrokerState::starting);
    EXPECT_EQ(after.count("READY"), 0U);
    EXPECT_THAT(after.last_status(), HasSubstr("3/4"));
    // The fourth is known by its pid: a plain READY=1 (no X_WORKER) is its own.
    after.send(104, "READY=1");
    EXPECT_EQ(after.broker.state(), BrokerState::ready);
    EXPECT_EQ(after.count("READY", "1"), 1U);
}

TEST(ARestoredWorker, IsFollowedByItsPidAfterwards) {
    Harness before(pool_of(2));
    before.worker(1, "READY=1");
    before.worker(2, "READY=1");
    Harness after(pool_of(2));
    restore(after, carried(before.broker, before.now));
    after.send(101, "STATUS=still here");
    EXPECT_EQ(after.broker.workers(after.now).front().status, "still here");
    EXPECT_EQ(after.broker.counts().known, 2U);
    after.exit(102);
    EXPECT_EQ(after.broker.state(), BrokerState::degraded);
    EXPECT_THAT(after.last_status(), HasSubstr("1/2"));
}

TEST(ARestoredReadyWorker, GetsAFullWatchdogIntervalFromTheRestore) {
    Harness before(watched_pool(1));
    before.worker(1, "READY=1");
    before.advance(9s); // one second before its deadline
    Harness after(watched_pool(1));
    after.now = before.now + 3s; // the restart took three seconds
    restore(after, carried(before.broker, before.now));
    after.advance(9s);
    EXPECT_EQ(after.broker.workers(after.now).front().state, WorkerState::ready);
    after.advance(2s);
    EXPECT_EQ(after.broker.workers(after.now).front().state, WorkerState::late);
}

TEST(ARestoredHungWorker, StaysLateAndKeepsTheBrokersWatchdogStarved) {
    const UpstreamContext broker_watchdog{.watchdog = 20s};
    Harness before(watched_pool(2), broker_watchdog);
    before.worker(1, "READY=1");
    before.worker(2, "READY=1");
    before.advance(5s);
    before.worker(2, "WATCHDOG=1");
    before.advance(6s); // web-1 missed its watchdog
    ASSERT_EQ(before.broker.workers(before.now).front().state, WorkerState::late);

    Harness after(watched_pool(2), broker_watchdog);
    after.now = before.now;
    restore(after, carried(before.broker, before.now));
    EXPECT_EQ(after.broker.workers(after.now).front().state, WorkerState::late);
    after.advance(1min);
    EXPECT_EQ(after.count("WATCHDOG", "1"), 0U);
    // It recovers the way it would have without the restart.
    after.worker(1, "WATCHDOG=1");
    after.worker(2, "WATCHDOG=1");
    after.advance(11s);
    EXPECT_GE(after.count("WATCHDOG", "1"), 1U);
}

TEST(TheImport, SkipsWhatCannotBeTakenOver) {
    StateSnapshot snapshot;
    WorkerRecord good;
    good.name = "web-1";
    good.pid = 101;
    good.state = WorkerState::ready;
    WorkerRecord bus = good;
    bus.name = "web-2";
    bus.source = Source::dbus;
    WorkerRecord gone = good;
    gone.name = "web-3";
    gone.pid = 103;
    gone.state = WorkerState::gone;
    WorkerRecord bad_name = good;
    bad_name.name = "web 4\n";
    bad_name.pid = 104;
    WorkerRecord same_name = good;
    same_name.pid = 105;
    WorkerRecord same_pid = good;
    same_pid.name = "web-6";
    WorkerRecord no_pid = good;
    no_pid.name = "web-7";
    no_pid.pid = 0;
    WorkerRecord no_group = good;
    no_group.name = "db-1";
    no_group.pid = 108;
    snapshot.workers = {good, bus, gone, bad_name, same_name, same_pid, no_pid, no_group};

    BrokerConfig config = pool_of(1);
    config.groups[0].match = {"web-*"};
    Harness after(config);
    EXPECT_EQ(restore(after, snapshot), 1U);
    ASSERT_EQ(after.broker.workers(after.now).size(), 1U);
    EXPECT_EQ(after.broker.workers(after.now).front().name, "web-1");
    EXPECT_EQ(after.broker.state(), BrokerState::ready);
}

TEST(TheImport, CleansAStatusItDidNotWrite) {
    StateSnapshot snapshot;
    WorkerRecord worker;
    worker.name = "web-1";
    worker.pid = 101;
    worker.status = "line\nINJECTED=1";
    snapshot.workers = {worker};
    Harness after(pool_of(2));
    restore(after, snapshot);
    EXPECT_EQ(after.broker.workers(after.now).front().status, "line INJECTED=1");
    EXPECT_THAT(after.sent.back(), Not(HasSubstr("\nINJECTED")));
}

TEST(TheImport, RespectsMaxWorkers) {
    StateSnapshot snapshot;
    for (int i = 0; i < 10; ++i) {
        WorkerRecord worker;
        worker.name = "web-" + std::to_string(i);
        worker.pid = 200 + i;
        snapshot.workers.push_back(worker);
    }
    BrokerConfig config = pool_of(10);
    config.max_workers = 4;
    Harness after(config);
    EXPECT_EQ(restore(after, snapshot), 4U);
}

TEST(AnEmptySnapshot, LeavesAFreshBrokerAsItWas) {
    Harness after(pool_of(2));
    EXPECT_EQ(restore(after, StateSnapshot{}), 0U);
    EXPECT_EQ(after.broker.state(), BrokerState::starting);
    EXPECT_THAT(after.last_status(), HasSubstr("0/2"));
}

TEST(TheExport, ListsEveryLiveWorkerInRegistrationOrder) {
    Harness h(pool_of(3));
    h.worker(2, "READY=1");
    h.worker(1, "STATUS=x");
    h.worker(3, "READY=1");
    h.worker(3, "STOPPING=1");
    const StateSnapshot snapshot = h.broker.export_state(h.now);
    ASSERT_EQ(snapshot.workers.size(), 2U);
    EXPECT_EQ(snapshot.workers[0].name, "web-2");
    EXPECT_EQ(snapshot.workers[0].group, "web");
    EXPECT_EQ(snapshot.workers[1].name, "web-1");
    EXPECT_EQ(snapshot.workers[1].status, "x");
}

} // namespace
} // namespace nb::core::testing
