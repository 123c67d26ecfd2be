// The broker's own children (spawn mode) run in the broker's unit: without
// X_WORKER= each is a worker of its own, never "the broker's unit" (issue 11,
// finding 5: under systemd `--workers 3 --expect 3` stayed at 1/3).
#include "harness.hpp"

namespace nb::core::testing {
namespace {

Sender spawned_child(pid_t pid, std::string unit) {
    Sender sender = socket_sender(pid, 0, 0, std::move(unit));
    sender.source = Source::spawned;
    return sender;
}

TEST(ChildrenTheBrokerSpawned, AreOneWorkerEachThoughTheyShareTheBrokersUnit) {
    Harness h(pool_of(3));
    for (const pid_t pid : {101, 102, 103}) {
        EXPECT_EQ(h.send_as(spawned_child(pid, "notify-brokerd.service"), "READY=1"),
                  Verdict::accepted);
    }
    EXPECT_EQ(h.broker.counts().known, 3U);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(ChildrenTheBrokerSpawned, AreStillNamedAfterTheirUnitWhenTheyAreNotOurs) {
    // The same three processes from another unit's cgroup, not spawned by us:
    // one unit, one worker (a script's short-lived reports).
    Harness h(pool_of(3));
    for (const pid_t pid : {101, 102, 103}) {
        h.send_as(socket_sender(pid, 0, 0, "script.service"), "READY=1");
    }
    EXPECT_EQ(h.broker.counts().known, 1U);
}

} // namespace
} // namespace nb::core::testing
