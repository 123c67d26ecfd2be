// A restore takes a second look with the current rules: a config reloaded or
// edited across the restart, or a process that changed its ids, must not keep
// a worker the rules no longer admit (issue 11, finding 9).
#include "harness.hpp"

namespace nb::core::testing {
namespace {

StateSnapshot two_ready_workers() {
    StateSnapshot snapshot;
    for (const auto& [name, pid, uid] :
         {std::tuple{"web-1", 101, uid_t{4001}}, std::tuple{"web-2", 102, uid_t{4002}}}) {
        WorkerRecord record;
        record.name = name;
        record.pid = pid;
        record.uid = uid;
        record.state = WorkerState::ready;
        record.current_uid = uid;
        record.current_gid = uid;
        snapshot.workers.push_back(record);
    }
    return snapshot;
}

TEST(ARestoredWorker, IsDroppedWhenTheCurrentRulesNoLongerAdmitItsUid) {
    BrokerConfig config = pool_of(2);
    config.allow = {allow(4001)};
    Harness h(config);
    EXPECT_EQ(h.broker.import_state(two_ready_workers(), h.now), 1U);
    ASSERT_EQ(h.broker.workers(h.now).size(), 1U);
    EXPECT_EQ(h.broker.workers(h.now)[0].name, "web-1");
}

TEST(ARestoredWorker, IsDroppedWhenItsRuleNoLongerLetsItClaimItsName) {
    BrokerConfig config = pool_of(2);
    config.allow = {allow(std::nullopt, std::nullopt, std::nullopt, {"web-2"})};
    Harness h(config);
    EXPECT_EQ(h.broker.import_state(two_ready_workers(), h.now), 1U);
    EXPECT_EQ(h.broker.workers(h.now)[0].name, "web-2");
}

TEST(ARestoredWorker, IsJudgedByItsCurrentIdsAndUnitNotTheRecordedOnes) {
    BrokerConfig config = pool_of(2);
    config.allow = {allow(std::nullopt, 7, std::string("web@*.service"))};
    Harness h(config);
    StateSnapshot snapshot = two_ready_workers();
    snapshot.workers[0].current_gid = 7; // web-1 is now in group 7 and its unit
    snapshot.workers[0].current_unit = "web@1.service";
    snapshot.workers[1].current_unit = "web@2.service"; // web-2: unit, but not the group
    EXPECT_EQ(h.broker.import_state(snapshot, h.now), 1U);
    EXPECT_EQ(h.broker.workers(h.now)[0].name, "web-1");
}

TEST(ARestoredWorker, WithoutKnownIdsMatchesNoGidRule) {
    BrokerConfig config = pool_of(2);
    config.allow = {allow(std::nullopt, 4001)};
    Harness h(config);
    StateSnapshot snapshot = two_ready_workers();
    snapshot.workers[0].current_gid.reset();
    EXPECT_EQ(h.broker.import_state(snapshot, h.now), 0U);
}

} // namespace
} // namespace nb::core::testing
