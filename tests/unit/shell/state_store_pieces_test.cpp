// The shell's pieces of the restart path, without a broker: the sealed memfd
// the state waits in, the fd store's names, and start times read from a stat
// line (read from a real process: tests/integration/daemon/proc_files_test.cpp).
#include "base/sealed_memfd.hpp"
#include "shell/fd_store_names.hpp"
#include "shell/process_start_time.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

TEST(ASealedMemfd, GivesBackExactlyWhatWasWritten) {
    const std::string bytes("state\0with\0nuls", 15);
    auto fd = make_sealed_memfd("nb-state", bytes);
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    const auto read = read_sealed_memfd(fd->get(), 1024);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(*read, bytes);
}

TEST(ASealedMemfd, CannotBeWrittenResizedOrUnsealed) {
    auto fd = make_sealed_memfd("nb-state", "abc");
    ASSERT_TRUE(fd.ok());
    EXPECT_EQ(::write(fd->get(), "x", 1), -1);
    EXPECT_EQ(errno, EPERM);
    EXPECT_NE(::ftruncate(fd->get(), 1), 0);
    EXPECT_NE(::fcntl(fd->get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
    const int seals = ::fcntl(fd->get(), F_GET_SEALS);
    EXPECT_EQ(seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
              F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
}

TEST(AnUnsealedMemfd, IsRefused) {
    const int fd = ::memfd_create("open", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "abc", 3), 3);
    const auto read = read_sealed_memfd(fd, 1024);
    ::close(fd);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("not sealed"), std::string::npos);
}

TEST(APipeInsteadOfAMemfd, IsRefused) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const auto read = read_sealed_memfd(fds[0], 1024);
    ::close(fds[0]);
    ::close(fds[1]);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("not a memfd"), std::string::npos);
}

TEST(AnOversizedMemfd, IsRefusedBeforeItIsRead) {
    auto fd = make_sealed_memfd("nb-state", std::string(2048, 'x'));
    ASSERT_TRUE(fd.ok());
    const auto read = read_sealed_memfd(fd->get(), 1024);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("2048 bytes"), std::string::npos);
}

TEST(FdStoreNames, AlternateStateSlotsAndNamePidfdsByPid) {
    EXPECT_EQ(fd_store::state_name(1), "nb-state.1");
    EXPECT_EQ(fd_store::state_name(2), "nb-state.0");
    EXPECT_TRUE(fd_store::is_state_name("nb-state.0"));
    EXPECT_FALSE(fd_store::is_state_name("nb-state"));
    EXPECT_FALSE(fd_store::is_state_name("nb-state.2"));
    EXPECT_EQ(fd_store::pidfd_name(4242), "nb-pidfd-4242");
    EXPECT_EQ(fd_store::pid_of_name("nb-pidfd-4242"), 4242);
    for (const char* bad : {"nb-pidfd-", "nb-pidfd-0", "nb-pidfd--1", "nb-pidfd-12x", "pidfd-12",
                            "nb-pidfd-99999999999999"}) {
        EXPECT_EQ(fd_store::pid_of_name(bad), std::nullopt) << bad;
    }
}

TEST(AStatLine, GivesItsStartTimeEvenWithSpacesAndParensInTheName) {
    const std::string tail = " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 19 20\n";
    EXPECT_EQ(start_time_from_stat("42 (python3)" + tail), 987654U);
    EXPECT_EQ(start_time_from_stat("42 (a) b (c))" + tail), 987654U);
    EXPECT_EQ(start_time_from_stat("42 (x) S 1 2 3"), std::nullopt);
    EXPECT_EQ(start_time_from_stat("no parens at all"), std::nullopt);
    EXPECT_EQ(
        start_time_from_stat("42 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 notanumber"),
        std::nullopt);
}

} // namespace
} // namespace nb::daemon
