// base/close_may_block.hpp on real fds of each kind.

#include "base/close_may_block.hpp"

#include <nb/test/fd.hpp>
#include <nb/test/stuck_close.hpp>

#include <gtest/gtest.h>

#include <array>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

TEST(ACloseThatMayBlock, IsNotAPipeASocketOrDevNull) {
    std::array<int, 2> pipe{};
    ASSERT_EQ(::pipe2(pipe.data(), O_CLOEXEC), 0);
    const Fd read(pipe[0]);
    const Fd write(pipe[1]);
    EXPECT_FALSE(daemon::close_may_block(read.get()));
    EXPECT_FALSE(daemon::close_may_block(write.get()));
    std::array<int, 2> pair{};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair.data()), 0);
    const Fd one(pair[0]);
    const Fd two(pair[1]);
    EXPECT_FALSE(daemon::close_may_block(one.get()));
    const Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(daemon::close_may_block(null.get()));
}

TEST(ACloseThatMayBlock, IsNotAMemfdOrAnEventfdOrAProcFile) {
    const Fd memfd(::memfd_create("nb-test", MFD_CLOEXEC));
    EXPECT_FALSE(daemon::close_may_block(memfd.get()));
    const Fd event(::eventfd(0, EFD_CLOEXEC));
    EXPECT_FALSE(daemon::close_may_block(event.get()));
    const Fd proc(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(daemon::close_may_block(proc.get()));
}

TEST(ACloseThatMayBlock, IsALingeringTcpSocketWithUnsentData) {
    Fd socket; // outlives its peer: closes at once when the test ends
    StuckCloseSocket stuck(1s);
    socket = stuck.take();
    EXPECT_TRUE(daemon::close_may_block(socket.get()));
}

TEST(ACloseThatMayBlock, IsAnFdThatIsNotOpen) {
    EXPECT_TRUE(daemon::close_may_block(-1));
}

} // namespace
} // namespace nb::test
