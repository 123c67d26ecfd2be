// base/fd_closer.hpp on real fds: pipes whose far end sees the close, and a
// socket whose close() really hangs (nb/test/stuck_close.hpp).

#include "base/fd_closer.hpp"

#include <nb/test/fd.hpp>
#include <nb/test/stuck_close.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Pipe {
    Fd read;
    Fd write;
    Pipe() {
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC) == 0) {
            read = Fd(fds[0]);
            write = Fd(fds[1]);
        }
    }
    /// True once the write end's last copy is closed (EOF), within timeout.
    bool closed_within(std::chrono::milliseconds timeout) const {
        pollfd entry{read.get(), POLLIN, 0};
        return ::poll(&entry, 1, static_cast<int>(timeout.count())) == 1 &&
               (entry.revents & POLLHUP) != 0;
    }
};

TEST(TheFdCloser, ClosesWhatItIsHandedOnItsOwnThread) {
    daemon::FdCloser closer;
    Pipe pipe;
    ASSERT_TRUE(pipe.read);
    EXPECT_TRUE(closer.close_later(std::move(pipe.write)));
    EXPECT_TRUE(pipe.closed_within(5s));
    EXPECT_NE(closer.thread_id(), std::this_thread::get_id());
}

TEST(TheFdCloser, TakesMoreFdsAtOnceWhileACloseHangsAndClosesThemInOrderAfterIt) {
    StuckCloseSocket stuck(2s);
    daemon::FdCloser closer;
    Pipe after;
    const auto start = Clock::now();
    EXPECT_TRUE(closer.close_later(stuck.take()));
    EXPECT_TRUE(closer.close_later(std::move(after.write)));
    EXPECT_LT(Clock::now() - start, 100ms) << "handing over waited for the close";
    // Queued behind the hanging close.
    EXPECT_FALSE(after.closed_within(500ms)) << "closed out of order";
    EXPECT_EQ(closer.pending(), 2U);
    EXPECT_TRUE(after.closed_within(5s));
    EXPECT_GE(Clock::now() - start, 1500ms) << "the socket's close did not hang: no test";
    // The socket's close was counted before the pipe's began (the pipe's own
    // count may come a moment after its EOF).
    EXPECT_GE(closer.closed(), 1U);
}

TEST(TheFdCloser, ClosesInlineWhenItsQueueIsFull) {
    daemon::FdCloser closer(1); // outlives the peer, whose reset ends the close
    StuckCloseSocket stuck(2s);
    Pipe pipe;
    EXPECT_TRUE(closer.close_later(stuck.take()));
    EXPECT_FALSE(closer.close_later(std::move(pipe.write)));
    EXPECT_TRUE(pipe.closed_within(0ms)) << "the overflowing fd was not closed";
    EXPECT_EQ(closer.overflowed(), 1U);
}

TEST(TheFdCloser, LeavesAHangingCloseBehindAtExitWithinASecond) {
    StuckCloseSocket stuck(30s);
    const auto start = Clock::now();
    {
        daemon::FdCloser closer;
        // Closed even if the destructor comes first: the thread empties its queue.
        EXPECT_TRUE(closer.close_later(stuck.take()));
    }
    EXPECT_LT(Clock::now() - start, 3s);
}

} // namespace
} // namespace nb::test
