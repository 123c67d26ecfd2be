// Who may take a name another process holds (issue 11, findings 3 and 4): a
// live holder keeps its name until it exits, except to its own unit's next
// process; a worker that follows its unit is not bound to its dead sender's pid.
#include "harness.hpp"

namespace nb::core::testing {
namespace {

TEST(ANameHeldByALiveProcess, IsNotTakenByAnotherProcess) {
    Harness h(watched_pool(1));
    h.send_as(socket_sender(101, 1000, 1000, "example-worker@1.service"),
              "X_WORKER=web-1\nREADY=1\nSTATUS=serving");
    EXPECT_EQ(h.send_as(socket_sender(202, 1000, 1000, "example-worker@2.service"),
                        "X_WORKER=web-1\nSTATUS=mine now"),
              Verdict::name_held);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].pid, 101);
    EXPECT_EQ(rows[0].state, WorkerState::ready);
    EXPECT_EQ(rows[0].status, "serving");
    // The holder's own pings still count.
    EXPECT_EQ(h.send(101, "WATCHDOG=1"), Verdict::accepted);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.broker.holder_of(socket_sender(202), *proto::Message::parse("X_WORKER=web-1")),
              std::optional<pid_t>(101));
}

TEST(ANameHeldByALiveProcess, IsNotTakenByAProcessWithNoUnitEither) {
    Harness h(pool_of(1));
    h.send(101, "X_WORKER=web-1\nREADY=1");
    EXPECT_EQ(h.send(102, "X_WORKER=web-1\nREADY=1"), Verdict::name_held);
    EXPECT_EQ(h.broker.workers(h.now)[0].pid, 101);
}

TEST(ANameHeldByALiveProcess, IsNotTakenByARenameEitherAndTheRenamerKeepsItsOwn) {
    Harness h(pool_of(2));
    h.send(101, "X_WORKER=web-1\nREADY=1");
    h.send(102, "X_WORKER=web-2\nREADY=1");
    EXPECT_EQ(h.send(102, "X_WORKER=web-1"), Verdict::name_held);
    EXPECT_EQ(h.broker.counts().ready, 2U);
}

TEST(ANameHeldByAProcessThatExited, IsTakenByTheNextProcess) {
    Harness h(pool_of(1));
    h.send(101, "X_WORKER=web-1\nREADY=1");
    h.exit(101);
    EXPECT_EQ(h.send(102, "X_WORKER=web-1\nREADY=1"), Verdict::accepted);
    const auto rows = h.broker.workers(h.now);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0].pid, 102);
    EXPECT_EQ(rows[0].state, WorkerState::ready);
}

TEST(ANameHeldByALiveProcess, IsTakenByTheNextProcessOfTheSameUnit) {
    Harness h(pool_of(1));
    h.send_as(socket_sender(101, 1000, 1000, "example-worker@1.service"),
              "X_WORKER=web-1\nREADY=1");
    // systemd restarted the unit; the old process's exit is not seen yet.
    EXPECT_EQ(h.send_as(socket_sender(102, 1000, 1000, "example-worker@1.service"),
                        "X_WORKER=web-1\nSTATUS=booting"),
              Verdict::accepted);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].pid, 102);
    EXPECT_EQ(rows[0].state, WorkerState::starting);
    // The old process's exit, seen late, does not touch the new one.
    h.exit(101);
    EXPECT_EQ(h.broker.workers(h.now)[0].pid, 102);
}

TEST(ChildrenTheBrokerSpawned, CannotTakeEachOthersNamesThoughTheyShareTheBrokersUnit) {
    Harness h(pool_of(2));
    Sender first = socket_sender(101, 1000, 1000, "notify-brokerd.service");
    first.source = Source::spawned;
    Sender second = socket_sender(102, 1000, 1000, "notify-brokerd.service");
    second.source = Source::spawned;
    h.send_as(first, "X_WORKER=web-1\nREADY=1");
    EXPECT_EQ(h.send_as(second, "X_WORKER=web-1\nREADY=1"), Verdict::name_held);
}

TEST(AWorkerFollowingItsUnit, IsNotTakenForByAStrangerReusingItsDeadSendersPid) {
    Harness h(pool_of(2));
    // `notify-broker --ready` in script.service: the shell follows the unit.
    h.send_as(socket_sender(201, 1000, 1000, "script.service"), "READY=1\nSTATUS=up");
    h.broker.on_followed_by_unit(201);
    // The command exited; pid 201 now belongs to a process of another unit.
    const Sender stranger = socket_sender(201, 1000, 1000, "other.service");
    EXPECT_EQ(h.send_as(stranger, "STATUS=hello"), Verdict::accepted);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].name, "script.service");
    EXPECT_EQ(rows[0].state, WorkerState::ready);
    EXPECT_EQ(rows[0].status, "up");
    EXPECT_EQ(rows[1].name, "other.service");
    // The stranger renaming itself or exiting leaves the unit's worker alone.
    EXPECT_EQ(h.send_as(stranger, "X_WORKER=web-9"), Verdict::accepted);
    h.exit(201);
    EXPECT_EQ(h.broker.counts().ready, 1U);
    EXPECT_EQ(h.broker.workers(h.now)[0].name, "script.service");
}

TEST(AWorkerFollowingItsUnit, IsGoneWhenItsUnitEmptiesWhicheverPidSentLast) {
    Harness h(pool_of(2));
    h.send_as(socket_sender(201, 1000, 1000, "script.service"), "READY=1");
    h.broker.on_followed_by_unit(201);
    // Another worker now has the last sender's pid, and stays.
    h.send(201, "X_WORKER=web-1\nREADY=1");
    h.broker.on_unit_gone("script.service", h.now);
    h.drain();
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].name, "web-1");
    EXPECT_EQ(rows[0].state, WorkerState::ready);
    EXPECT_EQ(rows[1].name, "script.service");
    EXPECT_EQ(rows[1].state, WorkerState::gone);
}

TEST(AWorkerFollowingItsUnit, StaysTheSameWorkerForTheUnitsNextProcess) {
    Harness h(pool_of(1));
    h.send_as(socket_sender(201, 1000, 1000, "script.service"), "READY=1");
    h.broker.on_followed_by_unit(201);
    EXPECT_EQ(h.send_as(socket_sender(202, 1000, 1000, "script.service"), "STATUS=busy"),
              Verdict::accepted);
    h.broker.on_followed_by_unit(202);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].pid, 202);
    EXPECT_EQ(rows[0].state, WorkerState::ready);
    // A process of another unit cannot claim the unit's name meanwhile.
    EXPECT_EQ(h.send_as(socket_sender(303, 1000, 1000, "other.service"),
                        "X_WORKER=script.service\nREADY=1"),
              Verdict::name_held);
    EXPECT_EQ(h.broker.holder_of(socket_sender(303, 1000, 1000, "other.service"),
                                 *proto::Message::parse("X_WORKER=script.service")),
              std::nullopt); // no process holds it: the unit does
}

} // namespace
} // namespace nb::core::testing
