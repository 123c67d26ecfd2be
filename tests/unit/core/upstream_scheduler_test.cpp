#include "core/upstream_scheduler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nb::core {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const TimePoint t0 = TimePoint{} + 1000s;

struct Scheduled {
    UpstreamScheduler scheduler{500ms, 10s};
    std::string status = "s0";
    std::vector<std::string> flush(TimePoint now, bool healthy = true) {
        scheduler.flush(
            now, [this] { return status; }, healthy);
        return scheduler.take_outbox();
    }
};

TEST(TheScheduler, SendsNothingWhenNothingIsDue) {
    Scheduled s;
    EXPECT_THAT(s.flush(t0), IsEmpty());
    EXPECT_EQ(s.scheduler.next_deadline(true), std::nullopt);
}

TEST(TheScheduler, PutsLifecycleStatusAndPingInOneDatagram) {
    Scheduled s;
    s.scheduler.status_changed();
    s.scheduler.ready(t0);
    EXPECT_THAT(s.flush(t0), ElementsAre("READY=1\nSTATUS=s0\nWATCHDOG=1"));
    EXPECT_EQ(s.scheduler.next_deadline(true), t0 + 5s);
    EXPECT_EQ(s.scheduler.next_deadline(false), std::nullopt);
}

TEST(TheScheduler, WritesMonotonicUsecWithReloading) {
    Scheduled s;
    s.scheduler.reloading(t0 + 1500us);
    EXPECT_THAT(s.flush(t0), ElementsAre("RELOADING=1\nMONOTONIC_USEC=1000001500"));
}

TEST(TheScheduler, SendsEachStateChangeInItsOwnDatagramInOrder) {
    // systemd: within one datagram READY beats RELOADING, so together the
    // reload would be lost; the last change carries STATUS and the ping.
    Scheduled s;
    s.scheduler.status_changed();
    s.scheduler.reloading(t0);
    s.scheduler.ready(t0);
    EXPECT_THAT(s.flush(t0), ElementsAre("RELOADING=1\nMONOTONIC_USEC=1000000000",
                                         "READY=1\nSTATUS=s0\nWATCHDOG=1"));
    s.scheduler.ready(t0 + 1s);
    s.scheduler.reloading(t0 + 1s);
    EXPECT_THAT(s.flush(t0 + 1s),
                ElementsAre("READY=1", "RELOADING=1\nMONOTONIC_USEC=1001000000\nWATCHDOG=1"));
}

TEST(TheScheduler, LetsStoppingOverruleStateChangesNotSentYet) {
    Scheduled s;
    s.scheduler.ready(t0);
    s.scheduler.reloading(t0);
    s.scheduler.stopping();
    EXPECT_THAT(s.flush(t0), ElementsAre("STOPPING=1\nSTATUS=s0"));
}

TEST(TheScheduler, SendsOnlyStatusAfterStopping) {
    Scheduled s;
    s.scheduler.ready(t0);
    s.flush(t0);
    s.scheduler.stopping();
    s.status = "bye";
    EXPECT_THAT(s.flush(t0), ElementsAre("STOPPING=1\nSTATUS=bye"));
    s.scheduler.ready(t0 + 1s);
    s.scheduler.reloading(t0 + 1s);
    s.scheduler.trigger();
    s.scheduler.extend(5s);
    s.scheduler.status_changed();
    s.status = "still bye";
    EXPECT_THAT(s.flush(t0 + 1s), ElementsAre("STATUS=still bye"));
    EXPECT_THAT(s.flush(t0 + 1h), IsEmpty());
    EXPECT_EQ(s.scheduler.next_deadline(true), std::nullopt);
}

TEST(TheScheduler, TriggersOncePerUnhealthySpell) {
    Scheduled s;
    s.scheduler.trigger();
    EXPECT_THAT(s.flush(t0, false), ElementsAre("WATCHDOG=trigger"));
    s.scheduler.trigger();
    EXPECT_THAT(s.flush(t0, false), IsEmpty());
    s.flush(t0, true);
    s.scheduler.trigger();
    EXPECT_THAT(s.flush(t0, false), ElementsAre("WATCHDOG=trigger"));
}

TEST(TheScheduler, WithoutABrokerWatchdogNeverPings) {
    UpstreamScheduler scheduler(0ms, 0us);
    scheduler.ready(t0);
    scheduler.flush(
        t0, [] { return std::string("x"); }, true);
    EXPECT_THAT(scheduler.take_outbox(), ElementsAre("READY=1"));
    EXPECT_EQ(scheduler.next_deadline(true), std::nullopt);
}

} // namespace
} // namespace nb::core
