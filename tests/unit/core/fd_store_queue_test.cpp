#include "core/fd_store_queue.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nb::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

/// Stands in for an owned fd: a number, and the set of numbers still open,
/// which the destructor of the owner closes (erases from).
class FakeFd {
public:
    FakeFd() = default;
    FakeFd(std::shared_ptr<std::set<int>> open, int number)
        : open_(std::move(open))
        , number_(number) {
        open_->insert(number_);
    }
    ~FakeFd() { reset(); }
    FakeFd(FakeFd&& other) noexcept
        : open_(std::move(other.open_))
        , number_(std::exchange(other.number_, -1)) {}
    FakeFd& operator=(FakeFd&& other) noexcept {
        if (this != &other) {
            reset();
            open_ = std::move(other.open_);
            number_ = std::exchange(other.number_, -1);
        }
        return *this;
    }
    FakeFd(const FakeFd&) = delete;
    FakeFd& operator=(const FakeFd&) = delete;
    [[nodiscard]] int get() const noexcept { return number_; }

private:
    void reset() noexcept {
        if (open_ && number_ >= 0) {
            open_->erase(number_);
        }
        number_ = -1;
    }
    std::shared_ptr<std::set<int>> open_;
    int number_ = -1;
};

class AnFdStoreQueue : public ::testing::Test {
protected:
    FakeFd fd(int number) { return FakeFd(open_, number); }

    /// Everything the queue would send, in order, as "text [fd]", emptying it;
    /// each sent fd is closed by pop() as the shell's is after sendmsg().
    std::vector<std::string> drain(FdStoreQueue<FakeFd>& queue) {
        std::vector<std::string> sent;
        while (!queue.empty()) {
            std::string line = queue.front_text();
            if (queue.front_is_store()) {
                line += " [" + std::to_string(queue.front_fd().get()) + "]";
            }
            sent.push_back(line);
            queue.pop();
        }
        return sent;
    }

    std::shared_ptr<std::set<int>> open_ = std::make_shared<std::set<int>>();
};

TEST_F(AnFdStoreQueue, SendsRemovesAndStoresInTheOrderTheyCame) {
    FdStoreQueue<FakeFd> queue;
    EXPECT_TRUE(queue.remove("nb-pidfd-10"));
    EXPECT_TRUE(queue.store("nb-pidfd-11", fd(3)));
    EXPECT_TRUE(queue.remove("nb-state.0", FdStoreRoom::reserved));
    EXPECT_TRUE(queue.store("nb-state.0", fd(4), FdStoreRoom::reserved));
    EXPECT_THAT(drain(queue), ElementsAre("FDSTOREREMOVE=1\nFDNAME=nb-pidfd-10",
                                          "FDSTORE=1\nFDNAME=nb-pidfd-11 [3]",
                                          "FDSTOREREMOVE=1\nFDNAME=nb-state.0",
                                          "FDSTORE=1\nFDNAME=nb-state.0 [4]"));
    EXPECT_THAT(*open_, IsEmpty()) << "a sent fd stayed open";
}

TEST_F(AnFdStoreQueue, ReplacesAWaitingSnapshotWithTheNewerOneAndClosesTheOlder) {
    FdStoreQueue<FakeFd> queue;
    queue.remove("nb-state.1", FdStoreRoom::reserved);
    queue.store("nb-state.1", fd(5), FdStoreRoom::reserved);
    queue.store("nb-pidfd-20", fd(6));
    ASSERT_TRUE(queue.store_pending("nb-state.1"));
    EXPECT_TRUE(queue.replace("nb-state.1", fd(7)));
    EXPECT_EQ(open_->count(5), 0U) << "the stale snapshot's fd was not closed";
    EXPECT_TRUE(queue.replace("nb-state.1", fd(8)));
    EXPECT_EQ(queue.superseded(), 2U);
    EXPECT_THAT(drain(queue), ElementsAre("FDSTOREREMOVE=1\nFDNAME=nb-state.1",
                                          "FDSTORE=1\nFDNAME=nb-state.1 [8]",
                                          "FDSTORE=1\nFDNAME=nb-pidfd-20 [6]"));
    EXPECT_FALSE(queue.store_pending("nb-state.1"));
    EXPECT_FALSE(queue.replace("nb-state.1", fd(9))) << "nothing waits: nothing to replace";
    EXPECT_THAT(*open_, IsEmpty());
}

TEST_F(AnFdStoreQueue, ARemoveOfAStoreNotSentYetTakesItOutAndQueuesNothing) {
    FdStoreQueue<FakeFd> queue;
    queue.remove("nb-pidfd-30");       // the old process of this pid
    queue.store("nb-pidfd-30", fd(3)); // its successor, which exits at once
    EXPECT_TRUE(queue.remove("nb-pidfd-30"));
    EXPECT_EQ(queue.cancelled(), 1U);
    EXPECT_EQ(open_->count(3), 0U);
    EXPECT_THAT(drain(queue), ElementsAre("FDSTOREREMOVE=1\nFDNAME=nb-pidfd-30"));
}

TEST_F(AnFdStoreQueue, KeepsAddsAndRemovesOfOnePidInTheirOrder) {
    FdStoreQueue<FakeFd> queue;
    queue.store("nb-pidfd-40", fd(3));
    queue.store("nb-pidfd-41", fd(4));
    queue.remove("nb-pidfd-42");
    queue.store("nb-pidfd-42", fd(5));
    EXPECT_THAT(drain(queue), ElementsAre("FDSTORE=1\nFDNAME=nb-pidfd-40 [3]",
                                          "FDSTORE=1\nFDNAME=nb-pidfd-41 [4]",
                                          "FDSTOREREMOVE=1\nFDNAME=nb-pidfd-42",
                                          "FDSTORE=1\nFDNAME=nb-pidfd-42 [5]"));
}

TEST_F(AnFdStoreQueue, RefusesBeyondItsBoundClosesWhatItRefusedAndCountsIt) {
    FdStoreQueue<FakeFd> queue(2);
    EXPECT_TRUE(queue.store("nb-pidfd-1", fd(3)));
    EXPECT_TRUE(queue.remove("nb-pidfd-2"));
    EXPECT_FALSE(queue.store("nb-pidfd-3", fd(4)));
    EXPECT_FALSE(queue.remove("nb-pidfd-4"));
    EXPECT_EQ(queue.refused(), 2U);
    EXPECT_EQ(open_->count(4), 0U) << "a refused fd stayed open";
    EXPECT_EQ(queue.size(), 2U);
}

TEST_F(AnFdStoreQueue, TakesTheSnapshotBeyondTheBoundButOnlyTwoEntriesOfIt) {
    FdStoreQueue<FakeFd> queue(1);
    ASSERT_TRUE(queue.store("nb-pidfd-1", fd(3)));
    EXPECT_TRUE(queue.remove("nb-state.0", FdStoreRoom::reserved));
    EXPECT_TRUE(queue.store("nb-state.0", fd(4), FdStoreRoom::reserved));
    EXPECT_FALSE(queue.store("nb-state.1", fd(5), FdStoreRoom::reserved));
    EXPECT_EQ(queue.size(), 3U);
    EXPECT_EQ(queue.refused(), 1U);
}

TEST_F(AnFdStoreQueue, ClosesEveryWaitingFdWhenClearedOrDestroyed) {
    {
        FdStoreQueue<FakeFd> queue;
        queue.store("nb-pidfd-1", fd(3));
        queue.store("nb-state.0", fd(4), FdStoreRoom::reserved);
        queue.clear();
        EXPECT_THAT(*open_, IsEmpty());
        queue.store("nb-pidfd-2", fd(5));
    }
    EXPECT_THAT(*open_, IsEmpty()) << "the queue's destructor left an fd open";
}

} // namespace
} // namespace nb::core
