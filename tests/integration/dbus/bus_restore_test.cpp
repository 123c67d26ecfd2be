// D-Bus workers across a broker restart (issue 14): the fd store's snapshot
// brings them back by unique name, and the bus decides. BusService asks the
// bus about each name (GetNameOwner, asynchronously: the loop goes on), drops
// those without an owner, and watches the others for NameOwnerChanged as if
// they had called this broker themselves.

#include "broker_harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

core::BrokerConfig pool_of(unsigned expected) {
    core::BrokerConfig config;
    config.groups.front().expected = expected;
    config.status_interval = 0ms;
    return config;
}

core::WorkerRecord bus_worker(std::string name, std::string bus_name) {
    core::WorkerRecord record;
    record.name = std::move(name);
    record.source = core::Source::dbus;
    record.bus_name = std::move(bus_name);
    record.named = true;
    record.state = core::WorkerState::ready;
    return record;
}

core::WorkerState state_of(BrokerHarness& h, const std::string& name) {
    const auto workers = h.broker.workers(h.clock());
    const auto it =
        std::find_if(workers.begin(), workers.end(), [&](const auto& w) { return w.name == name; });
    return it == workers.end() ? core::WorkerState::gone : it->state;
}

TEST(ARestoredDbusWorker, StaysWhileItsNameHasAnOwnerAndLeavesWithIt) {
    BrokerHarness h(pool_of(2));
    ASSERT_TRUE(h.service->connected());
    auto alive = h.client(); // outlived the old broker; never called this one
    core::StateSnapshot snapshot;
    snapshot.workers = {bus_worker("web-1", alive->unique_name()),
                        bus_worker("web-2", ":1.4242")}; // left during the gap
    ASSERT_EQ(h.broker.import_state(snapshot, h.clock()), 2U);
    h.service->adopt_restored({alive->unique_name(), ":1.4242"});

    ASSERT_TRUE(h.loop.run_until([&] { return state_of(h, "web-2") == core::WorkerState::gone; }))
        << "the restored worker whose name has no owner was not dropped";
    EXPECT_EQ(state_of(h, "web-1"), core::WorkerState::ready);
    EXPECT_EQ(h.broker.counts().ready, 1U);

    alive.reset(); // its connection goes: NameOwnerChanged
    ASSERT_TRUE(h.loop.run_until([&] { return state_of(h, "web-1") == core::WorkerState::gone; }))
        << "the restored worker's NameOwnerChanged was not followed";
    EXPECT_EQ(h.broker.counts().known, 0U);
    EXPECT_EQ(h.finish(), 0);
}

TEST(ARestoredDbusWorker, IsTheSameWorkerWhenItCallsAgain) {
    BrokerHarness h(pool_of(1));
    auto alive = h.client();
    core::StateSnapshot snapshot;
    snapshot.workers = {bus_worker("web-1", alive->unique_name())};
    ASSERT_EQ(h.broker.import_state(snapshot, h.clock()), 1U);
    h.service->adopt_restored({alive->unique_name()});
    ASSERT_EQ(alive->call(h.loop, "SetStatus", std::string("web-1"), std::string("still here")),
              "");
    EXPECT_EQ(h.broker.counts().known, 1U);
    EXPECT_EQ(h.broker.workers(h.clock()).front().status, "still here");
    alive.reset();
    ASSERT_TRUE(h.loop.run_until([&] { return h.broker.counts().known == 0; }));
    EXPECT_EQ(h.finish(), 0);
}

} // namespace
} // namespace nb::test
