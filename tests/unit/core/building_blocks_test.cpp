// The small pieces: names, the key table, the deadline queue, the registry,
// the readiness rule.
#include "core/deadline_queue.hpp"
#include "core/readiness_rule.hpp"
#include "core/worker_keys.hpp"
#include "core/worker_name.hpp"
#include "core/worker_registry.hpp"

#include <gtest/gtest.h>

namespace nb::core {
namespace {

using namespace std::chrono_literals;
const TimePoint t0 = TimePoint{} + 1000s;

TEST(AWorkerName, IsOneToSixtyFourSafeCharacters) {
    EXPECT_TRUE(is_valid_worker_name("web-1"));
    EXPECT_TRUE(is_valid_worker_name("worker@3.service:main_A.b"));
    EXPECT_TRUE(is_valid_worker_name(std::string(64, 'x')));
    EXPECT_FALSE(is_valid_worker_name(""));
    EXPECT_FALSE(is_valid_worker_name(std::string(65, 'x')));
    for (const char* bad : {"a b", "a\nb", "a/b", "a*b", "{ready}", "a;b", "\xc3\xa9"}) {
        EXPECT_FALSE(is_valid_worker_name(bad)) << bad;
    }
}

TEST(TheKeyTable, GivesEveryKeyAWorkerMaySendOneRow) {
    for (const char* key :
         {"READY",          "STATUS",        "STOPPING",      "RELOADING",
          "MONOTONIC_USEC", "WATCHDOG",      "WATCHDOG_USEC", "EXTEND_TIMEOUT_USEC",
          "ERRNO",          "BUSERROR",      "VARLINKERROR",  "EXIT_STATUS",
          "MAINPID",        "MAINPIDFD",     "MAINPIDFDID",   "BARRIER",
          "FDSTORE",        "FDSTOREREMOVE", "FDNAME",        "FDPOLL",
          "NOTIFYACCESS",   "RESTART_RESET", "X_WORKER"}) {
        EXPECT_EQ(worker_key(key).key, key);
    }
    EXPECT_EQ(worker_key("X_SYSTEMD_HIBERNATE").key, "X_SYSTEMD_*");
    EXPECT_EQ(worker_key("X_APP_STATE").key, "X_*");
    EXPECT_EQ(worker_key("MAIN").key, "*");
    EXPECT_EQ(worker_key("READYX").key, "*");
    EXPECT_EQ(worker_keys().back().key, "*");
}

TEST(TheKeyTable, IgnoresWhatHasNoMeaningForAWorker) {
    for (const char* key : {"FDSTORE", "FDSTOREREMOVE", "FDNAME", "FDPOLL", "NOTIFYACCESS",
                            "RESTART_RESET", "X_SYSTEMD_X", "X_APP", "UNKNOWN"}) {
        EXPECT_EQ(worker_key(key).use, KeyUse::ignored) << key;
    }
    for (const char* key : {"READY", "STATUS", "WATCHDOG", "RELOADING", "STOPPING",
                            "EXTEND_TIMEOUT_USEC", "X_WORKER"}) {
        EXPECT_EQ(worker_key(key).use, KeyUse::applied) << key;
    }
    EXPECT_EQ(worker_key("BARRIER").use, KeyUse::barrier);
    EXPECT_EQ(worker_key("MONOTONIC_USEC").use, KeyUse::paired);
}

TEST(ABarrier, IsLoneOnlyWithoutCompany) {
    auto lone = proto::Message::parse("BARRIER=1");
    auto mixed = proto::Message::parse("READY=1\nBARRIER=1");
    ASSERT_TRUE(lone.ok() && mixed.ok());
    EXPECT_TRUE(is_lone_barrier(lone.value()));
    EXPECT_FALSE(is_lone_barrier(mixed.value()));
}

TEST(ADeadlineQueue, GivesTheEarliestAndMovesDeadlines) {
    DeadlineQueue queue;
    EXPECT_EQ(queue.earliest(), std::nullopt);
    queue.set(1, t0 + 5s);
    queue.set(2, t0 + 3s);
    queue.set(3, t0 + 9s);
    EXPECT_EQ(queue.earliest(), t0 + 3s);
    queue.set(2, t0 + 7s);
    EXPECT_EQ(queue.earliest(), t0 + 5s);
    queue.erase(1);
    EXPECT_EQ(queue.take_expired(t0 + 8s), std::vector<WorkerId>{2});
    EXPECT_EQ(queue.size(), 1U);
    EXPECT_EQ(queue.of(3), t0 + 9s);
}

Sender pid_sender(pid_t pid) {
    Sender sender;
    sender.pid = pid;
    return sender;
}

Worker named(std::string name, pid_t pid) {
    Worker worker;
    worker.name = std::move(name);
    worker.pid = pid;
    return worker;
}

TEST(TheRegistry, FindsWorkersByPidBusNameAndName) {
    WorkerRegistry registry(1);
    Worker& a = registry.add(named("a", 10));
    Worker bus = named("b", 0);
    bus.source = Source::dbus;
    bus.bus_name = ":1.5";
    Worker& b = registry.add(bus);
    EXPECT_EQ(registry.find_pid(10), &a);
    EXPECT_EQ(registry.find_bus_name(":1.5"), &b);
    EXPECT_EQ(registry.find_name("b"), &b);
    EXPECT_EQ(registry.find_pid(0), nullptr); // a bus worker is not indexed by pid
    registry.rebind(a, pid_sender(11));
    EXPECT_EQ(registry.find_pid(10), nullptr);
    EXPECT_EQ(registry.find_pid(11), &a);
    registry.remove(a.id);
    EXPECT_EQ(registry.find_name("a"), nullptr);
    EXPECT_EQ(registry.find_pid(11), nullptr);
    EXPECT_EQ(registry.size(), 1U);
}

TEST(TheRegistry, KeepsGroupTalliesInStepWithStates) {
    WorkerRegistry registry(2);
    Worker one = named("a", 1);
    Worker two = named("b", 2);
    two.group = 1;
    Worker& a = registry.add(one);
    Worker& b = registry.add(two);
    registry.set_state(a, WorkerState::ready);
    registry.set_state(b, WorkerState::late, LateReason::watchdog);
    EXPECT_EQ(registry.tallies()[0].ready, 1U);
    EXPECT_EQ(registry.tallies()[1].late, 1U);
    registry.set_state(b, WorkerState::ready);
    EXPECT_EQ(registry.tallies()[1].late, 0U);
    EXPECT_EQ(registry.tallies()[1].ready, 1U);
    registry.remove(a.id);
    EXPECT_EQ(registry.tallies()[0].live, 0U);
    EXPECT_EQ(registry.tallies()[0].ready, 0U);
}

TEST(TheReadinessRule, NeedsEveryRequiredGroupsQuorum) {
    std::vector<GroupConfig> groups(2);
    groups[0].expected = 4;
    groups[0].min_ready = 3;
    groups[1].expected = 2;
    groups[1].required = false;
    const ReadinessRule rule(groups);
    EXPECT_FALSE(rule.holds({GroupTally{.live = 4, .ready = 2}, GroupTally{}}));
    EXPECT_TRUE(rule.holds({GroupTally{.live = 4, .ready = 3}, GroupTally{}}));
    const Counts counts = rule.counts({GroupTally{.live = 4, .ready = 3}, GroupTally{.live = 1}});
    EXPECT_EQ(counts.ready, 3U);
    EXPECT_EQ(counts.expected, 4U);
    EXPECT_EQ(counts.known, 5U);
}

} // namespace
} // namespace nb::core
