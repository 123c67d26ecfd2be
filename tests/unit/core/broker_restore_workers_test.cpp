// Restarts (issue 14): every kind of worker that is still there comes back
// from the snapshot as it was followed before: several workers of one process,
// a script's worker following its unit, a D-Bus worker by its bus name, each
// with its own watchdog deadline and its failure record.
#include "core/state_codec.hpp"
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

using ::testing::HasSubstr;

/// A fresh broker at `h.now`, fed the snapshot as the shell does after a restart.
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

TEST(AProcessSpeakingForSeveralWorkers, GetsEveryOneOfThemBack) {
    Harness before(pool_of(3));
    for (int n = 1; n <= 3; ++n) {
        before.send(300, "X_WORKER=w" + std::to_string(n) + "\nREADY=1");
    }
    ASSERT_EQ(before.broker.state(), BrokerState::ready);

    Harness after(pool_of(3));
    after.now = before.now;
    EXPECT_EQ(restore(after, carried(before.broker, before.now)), 3U);
    EXPECT_EQ(after.broker.state(), BrokerState::ready);
    EXPECT_THAT(after.last_status(), HasSubstr("3/3"));
    // Still one process's: a message without a name (a master's STOPPING=1) is for each.
    after.send(300, "STOPPING=1");
    EXPECT_EQ(after.broker.counts().known, 0U);
}

TEST(AProcessSpeakingForSeveralWorkers, LosesThemAllWhenItExitsAfterTheRestore) {
    Harness before(pool_of(2));
    before.send(300, "X_WORKER=w1\nREADY=1");
    before.send(300, "X_WORKER=w2\nREADY=1");
    Harness after(pool_of(2));
    restore(after, carried(before.broker, before.now));
    after.exit(300);
    EXPECT_EQ(after.broker.counts().known, 0U);
    EXPECT_THAT(after.last_status(), HasSubstr("0/2"));
}

TEST(ARestoredWorker, KeepsTheWatchdogDeadlineItSetItself) {
    Harness before(watched_pool(1)); // the group's: 10 s
    before.worker(1, "READY=1\nWATCHDOG_USEC=2000000");
    Harness after(watched_pool(1));
    after.now = before.now;
    restore(after, carried(before.broker, before.now));
    after.advance(1500ms);
    EXPECT_EQ(after.broker.workers(after.now).front().state, WorkerState::ready);
    after.advance(1s);
    EXPECT_EQ(after.broker.workers(after.now).front().state, WorkerState::late);
}

TEST(ARestoredWorker, FallsBackToItsGroupsWatchdogWhenTheNewBoundsRefuseItsOwn) {
    Harness before(watched_pool(1));
    before.worker(1, "READY=1\nWATCHDOG_USEC=2000000");
    BrokerConfig stricter = watched_pool(1);
    stricter.groups[0].worker_watchdog_min = 5s;
    Harness after(stricter);
    after.now = before.now;
    restore(after, carried(before.broker, before.now));
    after.advance(9s);
    EXPECT_EQ(after.broker.workers(after.now).front().state, WorkerState::ready);
    after.advance(2s);
    EXPECT_EQ(after.broker.workers(after.now).front().state, WorkerState::late);
}

TEST(ARestoredWorker, KeepsWhatItSaidWentWrong) {
    Harness before(pool_of(2));
    before.worker(1, "READY=1");
    before.worker(2, "ERRNO=13");
    Harness after(pool_of(2));
    restore(after, carried(before.broker, before.now));
    EXPECT_EQ(after.broker.workers(after.now)[1].failure, "errno 13");
    EXPECT_EQ(after.last_status(), "1/2 workers ready; web-2 failed: errno 13");
    after.worker(2, "READY=1"); // it recovered: cleared as before the restart
    EXPECT_EQ(after.broker.workers(after.now)[1].failure, "");
}

TEST(AWorkerFollowingItsUnit, ComesBackFollowingItAndLeavesWhenTheUnitEmpties) {
    Harness before(pool_of(1));
    before.send_as(socket_sender(400, 65534, 65534, "job.service"), "READY=1");
    before.broker.on_followed_by_unit(400); // the shell follows the unit's cgroup
    before.exit(400);                       // systemd-notify has gone: still there
    ASSERT_EQ(before.broker.state(), BrokerState::ready);

    Harness after(pool_of(1));
    StateSnapshot snapshot = carried(before.broker, before.now);
    ASSERT_EQ(snapshot.workers.size(), 1U);
    EXPECT_TRUE(snapshot.workers[0].follows_unit);
    snapshot.workers[0].current_unit = "job.service"; // the shell found its cgroup populated
    EXPECT_EQ(restore(after, snapshot), 1U);
    EXPECT_EQ(after.broker.state(), BrokerState::ready);
    // Its old sender's pid is a stranger now: nothing of it is found by that pid.
    after.exit(400);
    EXPECT_EQ(after.broker.counts().ready, 1U);
    // The unit's next short-lived command is the same worker.
    after.send_as(socket_sender(401, 65534, 65534, "job.service"), "STATUS=busy");
    EXPECT_EQ(after.broker.workers(after.now).front().status, "busy");
    after.broker.on_followed_by_unit(401);
    after.broker.on_unit_gone("job.service", after.now);
    after.drain();
    EXPECT_EQ(after.broker.counts().known, 0U);
}

TEST(ARestoredDbusWorker, ComesBackByItsBusNameAndLeavesWithIt) {
    Harness before(pool_of(1));
    before.send_as(bus_sender(":1.42"), "X_WORKER=web-1\nREADY=1");
    Harness after(pool_of(1));
    EXPECT_EQ(restore(after, carried(before.broker, before.now)), 1U);
    EXPECT_EQ(after.broker.state(), BrokerState::ready);
    after.send_as(bus_sender(":1.42"), "STATUS=still here");
    EXPECT_EQ(after.broker.workers(after.now).front().status, "still here");
    after.broker.on_bus_peer_gone(":1.42", after.now);
    after.drain();
    EXPECT_EQ(after.broker.counts().known, 0U);
}

TEST(TheImport, RefusesAUnitFollowerWhoseNameIsNotItsUnit) {
    WorkerRecord record;
    record.name = "web-1";
    record.pid = 400;
    record.state = WorkerState::ready;
    record.follows_unit = true;
    record.unit = "job.service";
    StateSnapshot snapshot;
    snapshot.workers = {record};
    Harness after(pool_of(1));
    EXPECT_EQ(restore(after, snapshot), 0U);
}

} // namespace
} // namespace nb::core::testing
