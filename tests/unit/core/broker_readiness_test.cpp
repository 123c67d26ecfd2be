// When the pool counts as ready: all, quorum, optional and several groups.
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(APoolOfFourWorkers, IsNotReadyWhileOnlyThreeAreReady) {
    Harness h(pool_of(4));
    for (unsigned n = 1; n <= 3; ++n) {
        EXPECT_EQ(h.worker(n, "READY=1"), Verdict::accepted);
    }
    EXPECT_EQ(h.broker.state(), BrokerState::starting);
    EXPECT_EQ(h.count("READY"), 0U);
    EXPECT_EQ(h.broker.counts().ready, 3U);
    EXPECT_EQ(h.broker.counts().expected, 4U);
}

TEST(APoolOfFourWorkers, SendsReadyImmediatelyWhenTheFourthBecomesReady) {
    Harness h(pool_of(4));
    for (unsigned n = 1; n <= 3; ++n) {
        h.worker(n, "READY=1");
    }
    h.take();
    h.worker(4, "READY=1");
    const auto fresh = h.take();
    ASSERT_EQ(fresh.size(), 1U);
    EXPECT_EQ(value_of(fresh[0], "READY"), "1");
    EXPECT_EQ(value_of(fresh[0], "STATUS"), "4/4 workers ready");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(APoolOfFourWorkers, SendsReadyOnlyOnceEvenWhenItBecomesReadyAgain) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.exit(102);
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    h.worker(2, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY"), 1U);
}

TEST(AQuorumGroup, IsReadyWithMinReadyWorkers) {
    auto config = pool_of(4);
    config.groups[0].min_ready = 3;
    Harness h(config);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::starting);
    h.worker(3, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.count("READY", "1"), 1U);
    EXPECT_EQ(h.last_status(), "3/4 workers ready");
}

TEST(AQuorumGroup, StaysReadyWhenOneWorkerAboveQuorumDies) {
    auto config = pool_of(4);
    config.groups[0].min_ready = 3;
    Harness h(config);
    for (unsigned n = 1; n <= 4; ++n) {
        h.worker(n, "READY=1");
    }
    h.exit(104);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.last_status(), "3/4 workers ready; web-4 gone");
    h.exit(103);
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
}

TEST(AnOptionalGroup, NeverHoldsReadinessBack) {
    BrokerConfig config = pool_of(1);
    GroupConfig extras;
    extras.name = "extras";
    extras.expected = 2;
    extras.required = false;
    extras.match = {"extra-*"};
    config.groups[0].match = {"web-*"};
    config.groups.push_back(extras);
    Harness h(config);
    h.send(201, "X_WORKER=extra-1\nSTATUS=warming up");
    h.worker(1, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.broker.counts().expected, 1U);
    EXPECT_EQ(h.broker.counts().known, 2U);
    EXPECT_EQ(h.last_status(), "1/1 workers ready; extra-1 starting (warming up)");
}

TEST(SeveralRequiredGroups, AreReadyOnlyWhenEachHasItsQuorum) {
    BrokerConfig config = pool_of(2);
    config.groups[0].match = {"web-*"};
    GroupConfig db;
    db.name = "db";
    db.expected = 1;
    db.match = {"db-*"};
    config.groups.push_back(db);
    Harness h(config);
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::starting);
    EXPECT_EQ(h.last_status(), "2/3 workers ready");
    h.send(301, "X_WORKER=db-1\nREADY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.last_status(), "3/3 workers ready");
}

TEST(AWorker, BelongsToTheFirstGroupWhoseGlobMatchesItsName) {
    BrokerConfig config = pool_of(1);
    config.groups[0].match = {"web-*", "www-*"};
    GroupConfig other;
    other.name = "other";
    other.required = false;
    config.groups.push_back(other); // matches "*": everything else
    Harness h(config);
    h.send(101, "X_WORKER=www-1");
    h.send(102, "X_WORKER=cron");
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].group, "web");
    EXPECT_EQ(rows[1].group, "other");
}

TEST(AWorker, WithoutANameIsKnownByItsUnitThenByItsPid) {
    Harness h(pool_of(3));
    h.send_as(socket_sender(500, 1000, 1000, "worker@1.service"), "READY=1");
    h.send(501, "READY=1");
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].name, "worker@1.service");
    EXPECT_EQ(rows[1].name, "pid:501");
}

TEST(AWorker, KeepsItsNameWhenLaterMessagesDoNotRepeatIt) {
    Harness h(pool_of(1));
    h.send(101, "X_WORKER=web-1");
    h.send(101, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    ASSERT_EQ(h.broker.workers(h.now).size(), 1U);
    EXPECT_EQ(h.broker.workers(h.now)[0].name, "web-1");
}

TEST(AWorker, ThatReloadsIsNotReadyUntilItSaysReadyAgain) {
    Harness h(pool_of(1));
    h.worker(1, "READY=1");
    h.worker(1, "RELOADING=1");
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    EXPECT_EQ(h.last_status(), "0/1 workers ready; web-1 reloading");
    h.worker(1, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(AWorkerThatDies, DegradesTheBrokerAndIsNamedInTheStatus) {
    Harness h(pool_of(4));
    for (unsigned n = 1; n <= 4; ++n) {
        h.worker(n, "READY=1");
    }
    h.exit(102);
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    EXPECT_EQ(h.last_status(), "3/4 workers ready; web-2 gone");
    EXPECT_EQ(h.broker.counts().ready, 3U);
}

TEST(AWorkerThatDies, IsForgottenOnceItsReplacementIsReady) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.exit(102);
    h.send(202, "X_WORKER=web-2\nSTATUS=restarting");
    EXPECT_EQ(h.last_status(), "1/2 workers ready; web-2 starting (restarting)");
    h.send(202, "READY=1");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.last_status(), "2/2 workers ready");
    EXPECT_EQ(h.broker.workers(h.now).size(), 2U);
}

TEST(AWorkerOnTheBus, IsGoneWhenItsPeerLeavesTheBus) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.send_as(bus_sender(":1.42"), "X_WORKER=web-1\nREADY=1"), Verdict::accepted);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    h.broker.on_bus_peer_gone(":1.42", h.now);
    h.drain();
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    EXPECT_EQ(h.last_status(), "0/1 workers ready; web-1 gone");
}

TEST(AWorkerThatSaysStopping, LeavesGracefully) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    h.worker(2, "READY=1");
    h.worker(2, "STOPPING=1");
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    EXPECT_EQ(h.last_status(), "1/2 workers ready; web-2 stopped");
    EXPECT_EQ(h.broker.counts().known, 1U);
    h.exit(102); // its exit afterwards changes nothing
    EXPECT_EQ(h.last_status(), "1/2 workers ready; web-2 stopped");
}

TEST(ANameClaimedByTheNextProcessOfItsUnit, TakesTheWorkerOverAndStartsItAfresh) {
    // Only the holder's own unit may take its name while it lives (issue 11,
    // finding 3): a restart whose old process's exit is not seen yet.
    Harness h(pool_of(1));
    h.send_as(socket_sender(101, 1000, 1000, "web@1.service"), "X_WORKER=web-1\nREADY=1");
    h.send_as(socket_sender(999, 1000, 1000, "web@1.service"), "X_WORKER=web-1\nSTATUS=booting");
    EXPECT_EQ(h.broker.state(), BrokerState::degraded);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].pid, 999);
    EXPECT_EQ(rows[0].state, WorkerState::starting);
    h.exit(101); // the old process: no longer the worker
    EXPECT_EQ(h.broker.workers(h.now).size(), 1U);
}

TEST(ABrokerWithNothingRequired, IsReadyAtOnce) {
    BrokerConfig config = pool_of(1);
    config.groups[0].required = false;
    Harness h(config);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_THAT(h.sent, ElementsAre(HasSubstr("READY=1")));
}

} // namespace
} // namespace nb::core::testing
