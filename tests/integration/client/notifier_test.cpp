// The client library against a real AF_UNIX datagram socket: exact bytes,
// kernel credentials, passed descriptors, barrier, and error reporting.

#include <nb/client/notifier.hpp>
#include <nb/test/datagram_receiver.hpp>
#include <nb/test/fd.hpp>
#include <nb/test/temp_dir.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace nb::client {
namespace {

using namespace std::chrono_literals;
using test::DatagramReceiver;

std::size_t open_fd_count() {
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                      std::filesystem::directory_iterator{}));
}

class ANotifier : public ::testing::Test {
protected:
    test::TempDir dir;
    DatagramReceiver receiver{(dir / "notify.sock").string()};
    Notifier notifier{receiver.address()};

    std::string receive_data() {
        auto datagram = receiver.receive(5s);
        EXPECT_TRUE(datagram.has_value());
        return datagram ? datagram->data : std::string("<nothing>");
    }
};

TEST_F(ANotifier, SendsTheStateAsExactlyTheGivenBytes) {
    ASSERT_TRUE(notifier.notify("READY=1\nSTATUS=up and running"));
    EXPECT_EQ(receive_data(), "READY=1\nSTATUS=up and running");
}

TEST_F(ANotifier, TheKernelAttachesOurOwnCredentials) {
    ASSERT_TRUE(notifier.ready());
    const auto datagram = receiver.receive(5s);
    ASSERT_TRUE(datagram && datagram->credentials);
    EXPECT_EQ(datagram->credentials->pid, getpid());
    EXPECT_EQ(datagram->credentials->uid, geteuid());
    EXPECT_EQ(datagram->credentials->gid, getegid());
    EXPECT_TRUE(datagram->fds.empty());
}

TEST_F(ANotifier, PassesDescriptorsThatReferToTheSameOpenFiles) {
    int ends[2];
    ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
    const test::Fd read_end(ends[0]);
    const test::Fd write_end(ends[1]);
    const int fds[] = {write_end.get(), write_end.get()};
    ASSERT_TRUE(notifier.notify("FDSTORE=1\nFDNAME=pipe", fds));
    auto datagram = receiver.receive(5s);
    ASSERT_TRUE(datagram);
    EXPECT_EQ(datagram->data, "FDSTORE=1\nFDNAME=pipe");
    ASSERT_EQ(datagram->fds.size(), 2U);
    ASSERT_EQ(write(datagram->fds[1].get(), "x", 1), 1);
    char byte = 0;
    ASSERT_EQ(read(read_end.get(), &byte, 1), 1);
    EXPECT_EQ(byte, 'x');
}

TEST_F(ANotifier, RefusesMoreDescriptorsThanTheKernelPasses) {
    const std::vector<int> fds(max_fds_per_message + 1, STDIN_FILENO);
    const auto result = notifier.notify("FDSTORE=1", fds);
    EXPECT_EQ(result.status, SendResult::Status::failed);
    EXPECT_EQ(result.error, EINVAL);
    EXPECT_FALSE(receiver.receive(0ms));
}

TEST(NotifierAbstract, SendsToAnAbstractSocket) {
    DatagramReceiver receiver(test::unique_abstract_address());
    Notifier notifier(receiver.address());
    ASSERT_TRUE(notifier.notify("X_ABSTRACT=1")) << notifier.notify("X=1").message();
    const auto datagram = receiver.receive(5s);
    ASSERT_TRUE(datagram);
    EXPECT_EQ(datagram->data, "X_ABSTRACT=1");
}

TEST_F(ANotifier, NotifyAsSendsThePidsCredentialsWhenPrivileged) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "faking SCM_CREDENTIALS needs CAP_SYS_ADMIN";
    }
    int ends[2];
    ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
    const test::Fd read_end(ends[0]);
    const test::Fd write_end(ends[1]);
    const int fd = write_end.get();
    ASSERT_TRUE(notifier.notify_as(getppid(), "MAINPID=1", std::span<const int>(&fd, 1)));
    const auto datagram = receiver.receive(5s);
    ASSERT_TRUE(datagram && datagram->credentials);
    EXPECT_EQ(datagram->credentials->pid, getppid());
    EXPECT_EQ(datagram->fds.size(), 1U);
}

TEST_F(ANotifier, NotifyAsFallsBackToOurOwnCredentialsWhenTheKernelRefuses) {
    // A pid that cannot exist (above pid_max) is refused with ESRCH even for root,
    // and any foreign pid with EPERM for others: both fall back like libsystemd.
    ASSERT_TRUE(notifier.notify_as(0x7ffffff0, "READY=1"));
    const auto datagram = receiver.receive(5s);
    ASSERT_TRUE(datagram && datagram->credentials);
    EXPECT_EQ(datagram->credentials->pid, getpid());
}

TEST_F(ANotifier, ConvenienceCallsSendSystemdsAssignments) {
    ASSERT_TRUE(notifier.ready());
    EXPECT_EQ(receive_data(), "READY=1");
    ASSERT_TRUE(notifier.status("3/4 workers"));
    EXPECT_EQ(receive_data(), "STATUS=3/4 workers");
    ASSERT_TRUE(notifier.stopping());
    EXPECT_EQ(receive_data(), "STOPPING=1");
    ASSERT_TRUE(notifier.watchdog());
    EXPECT_EQ(receive_data(), "WATCHDOG=1");
    ASSERT_TRUE(notifier.watchdog_trigger());
    EXPECT_EQ(receive_data(), "WATCHDOG=trigger");
    ASSERT_TRUE(notifier.errno_(ENOENT));
    EXPECT_EQ(receive_data(), "ERRNO=2");
    ASSERT_TRUE(notifier.mainpid(4242));
    EXPECT_EQ(receive_data(), "MAINPID=4242");
    ASSERT_TRUE(notifier.extend_timeout(90s));
    EXPECT_EQ(receive_data(), "EXTEND_TIMEOUT_USEC=90000000");
}

TEST_F(ANotifier, ReloadingCarriesTheMonotonicClockInMicroseconds) {
    timespec before{};
    clock_gettime(CLOCK_MONOTONIC, &before);
    ASSERT_TRUE(notifier.reloading());
    timespec after{};
    clock_gettime(CLOCK_MONOTONIC, &after);
    const auto data = receive_data();
    ASSERT_EQ(data.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0U) << data;
    const auto usec = std::stoull(data.substr(data.find("USEC=") + 5));
    EXPECT_GE(usec, static_cast<unsigned long long>(before.tv_sec) * 1'000'000ULL +
                        static_cast<unsigned long long>(before.tv_nsec) / 1000);
    EXPECT_LE(usec, static_cast<unsigned long long>(after.tv_sec) * 1'000'000ULL +
                        static_cast<unsigned long long>(after.tv_nsec) / 1000);
}

TEST_F(ANotifier, StatusWithANewlineIsRefusedAndNothingIsSent) {
    const auto result = notifier.status("ok\nREADY=1");
    EXPECT_EQ(result.status, SendResult::Status::failed);
    EXPECT_EQ(result.error, EINVAL);
    EXPECT_FALSE(receiver.receive(0ms));
}

TEST_F(ANotifier, AStateWithANulByteIsRefused) {
    const auto result = notifier.notify(std::string_view("READY=1\0X=1", 11));
    EXPECT_EQ(result.error, EINVAL);
    EXPECT_FALSE(receiver.receive(0ms));
}

TEST_F(ANotifier, BarrierCompletesWhenTheReceiverClosesTheFd) {
    auto waiting = std::async(std::launch::async, [&] { return notifier.barrier(10s); });
    auto datagram = receiver.receive(5s);
    ASSERT_TRUE(datagram);
    EXPECT_EQ(datagram->data, "BARRIER=1");
    ASSERT_EQ(datagram->fds.size(), 1U);
    EXPECT_EQ(waiting.wait_for(50ms), std::future_status::timeout) << "returned before the close";
    datagram->fds.clear();
    const auto result = waiting.get();
    EXPECT_TRUE(result.sent()) << result.message();
}

TEST_F(ANotifier, BarrierTimesOutWhileTheReceiverHoldsTheFd) {
    const auto started = std::chrono::steady_clock::now();
    const auto result = notifier.barrier(200ms);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
    EXPECT_EQ(result.status, SendResult::Status::failed);
    EXPECT_EQ(result.error, ETIMEDOUT);
    const auto datagram = receiver.receive(5s); // the fd was waiting in the queue all along
    ASSERT_TRUE(datagram);
    EXPECT_EQ(datagram->fds.size(), 1U);
}

TEST_F(ANotifier, ReusesOneCloseOnExecSocketAcrossCallsUntilClosed) {
    // Each datagram is taken off the queue before the next is sent: sd_notify
    // blocks once net.unix.max_dgram_qlen datagrams wait (10 on a fresh
    // machine), and this test is about sockets, not about queue depth.
    ASSERT_TRUE(notifier.ready());
    ASSERT_TRUE(receiver.receive(5s)) << "READY=1 never arrived";
    const auto with_socket = open_fd_count();
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(notifier.watchdog());
        ASSERT_TRUE(receiver.receive(5s)) << "WATCHDOG=1 number " << i << " never arrived";
    }
    EXPECT_EQ(open_fd_count(), with_socket);
    notifier.close();
    EXPECT_EQ(open_fd_count(), with_socket - 1);
    ASSERT_TRUE(notifier.ready()); // reopens
    ASSERT_TRUE(receiver.receive(5s)) << "READY=1 after close() never arrived";
    EXPECT_TRUE(receiver.drain(100ms).empty());
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        const int fd = std::stoi(entry.path().filename());
        std::error_code error;
        const auto target = std::filesystem::read_symlink(entry.path(), error).string();
        if (target.rfind("socket:", 0) == 0 && fd != receiver.fd()) {
            EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC) << target;
        }
    }
}

TEST_F(ANotifier, ConcurrentSendsFromManyThreadsAllArriveIntact) {
    constexpr int threads = 4;
    constexpr int per_thread = 200;
    std::vector<std::thread> senders;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
        senders.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                if (!notifier.notify("X_THREAD=" + std::to_string(t) +
                                     "\nX_I=" + std::to_string(i))) {
                    ++failures;
                }
            }
        });
    }
    int received = 0;
    while (received < threads * per_thread) {
        auto datagram = receiver.receive(5s);
        ASSERT_TRUE(datagram) << "after " << received;
        EXPECT_EQ(datagram->data.rfind("X_THREAD=", 0), 0U);
        ++received;
    }
    for (auto& sender : senders) {
        sender.join();
    }
    EXPECT_EQ(failures, 0);
}

TEST_F(ANotifier, AMovedNotifierKeepsSending) {
    Notifier moved = std::move(notifier);
    ASSERT_TRUE(moved.ready());
    EXPECT_EQ(receive_data(), "READY=1");
}

TEST_F(ANotifier, ANotifierWithoutReceiverFailsWithConnectionRefused) {
    const auto path = (dir / "nobody.sock").string();
    { DatagramReceiver gone(path); } // bound then closed: the path refuses
    Notifier orphan(path);
    const auto result = orphan.ready();
    EXPECT_EQ(result.status, SendResult::Status::failed);
    EXPECT_TRUE(result.error == ECONNREFUSED || result.error == ENOENT) << result.message();
    EXPECT_NE(result.message().find(path), std::string::npos) << result.message();
}

class NotifierEnvironment : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* value = std::getenv("NOTIFY_SOCKET")) {
            saved_ = value;
        }
    }
    void TearDown() override {
        if (saved_) {
            setenv("NOTIFY_SOCKET", saved_->c_str(), 1);
        } else {
            unsetenv("NOTIFY_SOCKET");
        }
    }
    std::optional<std::string> saved_;
};

TEST_F(NotifierEnvironment, UnsetNotifySocketMeansNothingSentAndNoError) {
    unsetenv("NOTIFY_SOCKET");
    Notifier notifier;
    EXPECT_FALSE(notifier.available());
    const auto result = notifier.ready();
    EXPECT_EQ(result.status, SendResult::Status::unset);
    EXPECT_EQ(result.error, 0);
    EXPECT_FALSE(result);
    EXPECT_EQ(Notifier(std::string()).ready().status, SendResult::Status::unset);
}

TEST_F(NotifierEnvironment, NotifySocketIsReadAtFirstUseNotAtConstruction) {
    test::TempDir dir;
    DatagramReceiver receiver((dir / "late.sock").string());
    unsetenv("NOTIFY_SOCKET");
    Notifier notifier;
    setenv("NOTIFY_SOCKET", receiver.address().c_str(), 1);
    EXPECT_TRUE(notifier.available());
    ASSERT_TRUE(notifier.ready());
    EXPECT_TRUE(receiver.receive(5s));
}

TEST_F(NotifierEnvironment, AMalformedNotifySocketFailsWithEinvalAndSaysWhy) {
    for (const char* bad : {"relative/path", "", "vsock:x:y"}) {
        setenv("NOTIFY_SOCKET", bad, 1);
        Notifier notifier;
        EXPECT_FALSE(notifier.available()) << bad;
        const auto result = notifier.ready();
        EXPECT_EQ(result.status, SendResult::Status::failed) << bad;
        EXPECT_EQ(result.error, EINVAL) << bad;
        EXPECT_NE(result.message().find("Invalid argument"), std::string::npos) << result.message();
        EXPECT_GT(result.message().size(), std::string("Invalid argument").size())
            << "the message should say what is wrong: " << result.message();
    }
}

TEST(NotifierVsock, AVsockAddressIsAcceptedAndFailuresCarryErrno) {
    // CID 1 is the local loopback: nothing leaves this machine. Without a
    // loopback transport the socket cannot even be created; either way the
    // failure must carry the kernel's errno (a connection-oriented form would
    // wait for the 2 s vsock connect timeout, so it is not tried here).
    for (const char* address : {"vsock:1:999", "vsock-seqpacket:1:999", "vsock-dgram:1:999"}) {
        Notifier notifier(address);
        EXPECT_TRUE(notifier.available()) << address;
        const auto result = notifier.ready();
        if (!result.sent()) {
            EXPECT_NE(result.error, 0) << result.message();
            EXPECT_NE(result.message().find(address), std::string::npos) << result.message();
        }
    }
    EXPECT_EQ(Notifier("vsock:4294967295:1").ready().error, EINVAL) << "VMADDR_CID_ANY";
}

} // namespace
} // namespace nb::client
