// The shell's check of a worker's main process (shell/main_pid.hpp,
// shell/received_pidfd.hpp) on real processes: what a received fd is, whose
// pidfd id MAINPIDFDID= must be, and who may be named.
#include "base/pidfd.hpp"
#include "core/main_process_claim.hpp"
#include "shell/main_pid.hpp"
#include "shell/received_pidfd.hpp"

#include <gtest/gtest.h>

#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

core::MainProcessClaim claim_of(const std::string& datagram, std::size_t fds) {
    auto message = proto::Message::parse(datagram);
    EXPECT_TRUE(message.ok()) << datagram;
    auto claim = core::main_process_claim(message.value(), fds);
    EXPECT_TRUE(claim.has_value()) << datagram;
    return claim.value_or(core::MainProcessClaim{});
}

/// This process as the sender of a datagram, pinned as the kernel's SCM_PIDFD would.
struct Self {
    UniqueFd pidfd = open_pidfd(::getpid());
    [[nodiscard]] MainPidSender sender() const { return {::getpid(), pidfd.get(), ::geteuid()}; }
};

const AdmitsProcess nobody = [](const core::Sender&) {
    return false;
};

TEST(AReceivedPidfd, NamesItsProcess) {
    const UniqueFd own = open_pidfd(::getpid());
    const auto received = pid_of_received_pidfd(own.get());
    EXPECT_EQ(received.refusal, "");
    EXPECT_EQ(received.pid, ::getpid());
}

TEST(AReceivedPidfd, ThatIsAnyOtherFdIsRefused) {
    const UniqueFd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
    const UniqueFd one(pair[0]);
    const UniqueFd two(pair[1]);
    for (const int fd : {file.get(), one.get(), -1}) {
        EXPECT_EQ(pid_of_received_pidfd(fd).refusal, "its fd is not a pidfd") << fd;
    }
}

TEST(AReceivedPidfd, OfAThreadIsRefused) {
    constexpr unsigned pidfd_thread = O_EXCL; // PIDFD_THREAD, Linux 6.9
    const UniqueFd thread(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), pidfd_thread)));
    if (!thread) {
        GTEST_SKIP() << "this kernel has no PIDFD_THREAD";
    }
    EXPECT_EQ(pid_of_received_pidfd(thread.get()).refusal,
              "its pidfd names a thread (PIDFD_THREAD), not a process");
}

TEST(AReceivedPidfd, OfAProcessThatExitedIsRefused) {
    const pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_GT(child, 0);
    const UniqueFd pidfd = open_pidfd(child);
    ASSERT_TRUE(pidfd);
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_EQ(pid_of_received_pidfd(pidfd.get()).refusal,
              "its pidfd names a process that has exited");
}

TEST(ACheckedMainPid, IsTheSendersParentWhenItsPidfdIdMatches) {
    const Self self;
    std::vector<UniqueFd> fds;
    const pid_t parent = ::getppid();
    const UniqueFd probe = open_pidfd(parent);
    const auto id = process_identity(probe.get());
    const std::string datagram = "MAINPID=" + std::to_string(parent) +
                                 (id ? "\nMAINPIDFDID=" + std::to_string(*id) : std::string());
    const auto checked = check_main_pid(self.sender(), claim_of(datagram, 0), fds, nobody);
    EXPECT_EQ(checked.refusal, "");
    EXPECT_EQ(checked.pid, parent);
    EXPECT_TRUE(checked.pidfd);
}

TEST(ACheckedMainPid, IsRefusedWhenMainpidfdidNamesAnotherProcess) {
    const Self self;
    const pid_t parent = ::getppid();
    const UniqueFd probe = open_pidfd(parent);
    const auto id = process_identity(probe.get());
    if (!id) {
        GTEST_SKIP() << "pidfds have no ids on this kernel (no pidfs): MAINPIDFDID= is not checked";
    }
    std::vector<UniqueFd> fds;
    const std::string wrong = std::to_string(*id + 1);
    const auto checked = check_main_pid(
        self.sender(), claim_of("MAINPID=" + std::to_string(parent) + "\nMAINPIDFDID=" + wrong, 0),
        fds, nobody);
    EXPECT_EQ(checked.refusal, "MAINPIDFDID=" + wrong + " is not the pidfd id of process " +
                                   std::to_string(parent) + " (" + std::to_string(*id) +
                                   "): that pid names another process now");
    EXPECT_FALSE(checked.pidfd);
    // The sender's own pid with another process's id is refused as well.
    const auto own = check_main_pid(
        self.sender(),
        claim_of("MAINPID=" + std::to_string(::getpid()) + "\nMAINPIDFDID=" + wrong, 0), fds,
        nobody);
    EXPECT_NE(own.refusal, "");
}

TEST(ACheckedMainPid, TakesAMainpidfdPidfdAndKeepsItWhenAccepted) {
    const Self self;
    std::vector<UniqueFd> fds;
    fds.push_back(open_pidfd(::getppid()));
    const int sent = fds.front().get();
    const auto checked = check_main_pid(self.sender(), claim_of("MAINPIDFD=1", 1), fds, nobody);
    EXPECT_EQ(checked.refusal, "");
    EXPECT_EQ(checked.pid, ::getppid());
    EXPECT_EQ(checked.pidfd.get(), sent) << "the worker's liveness follows the pidfd it sent";
    EXPECT_TRUE(fds.empty());
}

TEST(ACheckedMainPid, ClosesAMainpidfdFdThatIsNoPidfd) {
    const Self self;
    std::vector<UniqueFd> fds;
    fds.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int sent = fds.front().get();
    const auto checked = check_main_pid(self.sender(), claim_of("MAINPIDFD=1", 1), fds, nobody);
    EXPECT_EQ(checked.refusal, "its fd is not a pidfd");
    EXPECT_TRUE(fds.empty());
    EXPECT_EQ(::fcntl(sent, F_GETFD), -1) << "the refused fd is still open";
}

TEST(ACheckedMainPid, RefusesAProcessThatIsNoAncestor) {
    const pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_GT(child, 0);
    const Self self;
    std::vector<UniqueFd> fds;
    auto as_user = self.sender();
    as_user.uid = 1000;
    const auto checked =
        check_main_pid(as_user, claim_of("MAINPID=" + std::to_string(child), 0), fds, nobody);
    EXPECT_EQ(checked.refusal, "process " + std::to_string(child) +
                                   " is neither the sender nor one of its ancestors");
    // Root may name a process beyond its ancestors only in a unit a rule admits.
    auto as_root = self.sender();
    as_root.uid = 0;
    const auto by_root =
        check_main_pid(as_root, claim_of("MAINPID=" + std::to_string(child), 0), fds, nobody);
    EXPECT_NE(by_root.refusal, "");
    EXPECT_FALSE(by_root.pidfd);
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
}

} // namespace
} // namespace nb::daemon
