#include "core/upstream_queue.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nb::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

/// Everything the queue would send, in order, emptying it.
std::vector<std::string> drain(UpstreamQueue& queue) {
    std::vector<std::string> sent;
    while (!queue.empty()) {
        sent.push_back(queue.front());
        queue.pop();
    }
    return sent;
}

TEST(TheUpstreamQueue, KeepsEveryStateChangeInItsOwnDatagramAndInOrder) {
    UpstreamQueue queue;
    queue.push("READY=1");
    queue.push("RELOADING=1\nMONOTONIC_USEC=5");
    queue.push("READY=1");
    queue.push("STOPPING=1");
    EXPECT_THAT(drain(queue),
                ElementsAre("READY=1", "RELOADING=1\nMONOTONIC_USEC=5", "READY=1", "STOPPING=1"));
}

TEST(TheUpstreamQueue, KeepsOnlyTheNewestStatus) {
    UpstreamQueue queue;
    queue.push("STATUS=0/2 workers ready");
    queue.push("STATUS=1/2 workers ready");
    queue.push("STATUS=2/2 workers ready");
    EXPECT_THAT(drain(queue), ElementsAre("STATUS=2/2 workers ready"));
    EXPECT_EQ(queue.superseded(), 2U);
}

TEST(TheUpstreamQueue, KeepsOnePendingWatchdogPing) {
    UpstreamQueue queue;
    for (int i = 0; i < 20; ++i) {
        queue.push("WATCHDOG=1");
    }
    EXPECT_THAT(drain(queue), ElementsAre("WATCHDOG=1"));
}

TEST(TheUpstreamQueue, TakesAStaleStatusOutOfAQueuedStateChangeButKeepsTheChange) {
    UpstreamQueue queue;
    queue.push("READY=1\nSTATUS=2/2 workers ready\nWATCHDOG=1");
    queue.push("STATUS=1/2 workers ready");
    queue.push("WATCHDOG=1");
    EXPECT_THAT(drain(queue), ElementsAre("READY=1", "STATUS=1/2 workers ready\nWATCHDOG=1"));
}

TEST(TheUpstreamQueue, DropsAnOlderStatusOnlyDatagramWhenAStateChangeBringsANewerOne) {
    UpstreamQueue queue;
    queue.push("STATUS=1/2 workers ready");
    queue.push("READY=1\nSTATUS=2/2 workers ready");
    EXPECT_THAT(drain(queue), ElementsAre("READY=1\nSTATUS=2/2 workers ready"));
}

TEST(TheUpstreamQueue, KeepsAPingBeforeALaterStoppingWhereItCame) {
    UpstreamQueue queue;
    queue.push("WATCHDOG=1");
    queue.push("STOPPING=1\nSTATUS=stopping");
    queue.push("STATUS=stopped");
    EXPECT_THAT(drain(queue), ElementsAre("WATCHDOG=1", "STOPPING=1", "STATUS=stopped"));
}

TEST(TheUpstreamQueue, KeepsTheNewestOfEachReplaceableKeyWhenTheyArriveApart) {
    UpstreamQueue queue;
    queue.push("STATUS=a");
    queue.push("EXTEND_TIMEOUT_USEC=1000");
    queue.push("WATCHDOG=1");
    queue.push("EXTEND_TIMEOUT_USEC=2000");
    EXPECT_THAT(drain(queue), ElementsAre("STATUS=a\nWATCHDOG=1\nEXTEND_TIMEOUT_USEC=2000"));
}

TEST(TheUpstreamQueue, LetsATriggerBeReplacedByANewerHealthyPing) {
    UpstreamQueue queue;
    queue.push("WATCHDOG=trigger");
    queue.push("WATCHDOG=1");
    EXPECT_THAT(drain(queue), ElementsAre("WATCHDOG=1"));
}

TEST(TheUpstreamQueue, StaysBoundedByDroppingTheOldestDatagram) {
    UpstreamQueue queue(3);
    queue.push("READY=1");
    queue.push("RELOADING=1\nMONOTONIC_USEC=1");
    queue.push("READY=1\nSTATUS=b");
    queue.push("STOPPING=1");
    EXPECT_EQ(queue.overflowed(), 1U);
    EXPECT_THAT(drain(queue),
                ElementsAre("RELOADING=1\nMONOTONIC_USEC=1", "READY=1\nSTATUS=b", "STOPPING=1"));
}

TEST(TheUpstreamQueue, IgnoresAnEmptyDatagram) {
    UpstreamQueue queue;
    queue.push("");
    EXPECT_TRUE(queue.empty());
    EXPECT_THAT(drain(queue), IsEmpty());
}

TEST(TheUpstreamQueue, SaysWhetherItsFrontIsAStateChange) {
    UpstreamQueue queue;
    queue.push("STATUS=x");
    EXPECT_FALSE(queue.front_is_lifecycle());
    queue.push("READY=1");
    queue.pop();
    EXPECT_TRUE(queue.front_is_lifecycle());
}

} // namespace
} // namespace nb::core
