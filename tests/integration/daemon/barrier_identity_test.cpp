// A BARRIER=1 is answered whoever it seems to come from. systemd-notify 254+
// running as root sends its message and its barrier with SCM_CREDENTIALS
// faked to its parent's pid (and the kernel's SCM_PIDFD, where there is one,
// follows the faked pid), so the sender that waits on the barrier's fd is not
// the process the credentials name. The broker closes that fd at once (the
// waiting sender is released) and the barrier is nobody's report: no worker
// appears for the faked pid, nothing is accepted, nothing goes upstream.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <nb/client/notifier.hpp>
#include <nb/test/fd.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// The "accepted N" of the summary notify-brokerd logs when it exits.
std::string accepted_in(const std::string& log) {
    const std::string tag = "accepted ";
    const auto begin = log.find(tag);
    if (begin == std::string::npos) {
        return "<no summary in log>";
    }
    const auto end = log.find(',', begin);
    return log.substr(begin + tag.size(), end - begin - tag.size());
}

/// True once the pipe's write end is closed everywhere (EOF) within timeout.
bool closed_within(int read_end, std::chrono::milliseconds timeout) {
    pollfd poll_fd{read_end, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(timeout.count())) != 1) {
        return false;
    }
    char byte = 0;
    return ::read(read_end, &byte, 1) == 0;
}

using ABarrierUnderAFakedPid = BrokerTest;

TEST_F(ABarrierUnderAFakedPid, IsClosedAtOnceAndCountsAsNobodysReport) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "faking SCM_CREDENTIALS needs CAP_SYS_ADMIN";
    }
    auto& broker = start_broker({"--expect", "1", "--status-interval", "1ms"});
    // The process the credentials will name: alive, never a sender itself.
    SpawnOptions holding;
    holding.stdin_pipe = true;
    auto named = ChildProcess::fork(
        [] {
            char byte = 0;
            return ::read(STDIN_FILENO, &byte, 1) >= 0 ? 0 : 1;
        },
        holding);

    std::array<int, 2> ends{};
    ASSERT_EQ(::pipe2(ends.data(), O_CLOEXEC), 0);
    const Fd read_end(ends[0]);
    Fd write_end(ends[1]);
    client::Notifier notifier(broker.socket_path());
    const int fd = write_end.get();
    const auto started = std::chrono::steady_clock::now();
    const auto sent = notifier.notify_as(named.pid(), "BARRIER=1", std::span<const int>(&fd, 1));
    ASSERT_TRUE(sent.sent()) << sent.message();
    write_end.reset(); // the broker holds the only write end now
    EXPECT_TRUE(closed_within(read_end.get(), 2s)) << "the barrier's fd was not closed";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);

    ASSERT_TRUE(barrier(broker.socket_path())); // ours, under our own pid
    drain_upstream();
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_EQ(accepted_in(broker.log()), "0") << "a barrier counted as a report";
    EXPECT_EQ(broker.log().find("pid:" + std::to_string(named.pid())), std::string::npos)
        << "the faked pid became a worker";
    expect_clean_exits(named);
}

TEST_F(ABarrierUnderAFakedPid, FromTheRealSystemdNotifyReleasesItAndOnlyItsMessageCounts) {
    auto& broker = start_broker({"--expect", "1", "--status-interval", "1ms"});
    SpawnOptions options;
    options.env["NOTIFY_SOCKET"] = broker.socket_path();
    // As root, systemd-notify reports for its parent (this process); 254+ sends
    // its barrier under that pid too, and waits up to 5 s for the fd to close
    // (then exits 1).
    const auto started = std::chrono::steady_clock::now();
    auto notify =
        ChildProcess::spawn({"/usr/bin/systemd-notify", "--ready", "X_WORKER=cli"}, options);
    EXPECT_EQ(notify.wait_exit_code(10s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "the barrier was answered late";
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_EQ(accepted_in(broker.log()), "1") << "only READY=1 is a report";
    EXPECT_EQ(broker.log().find("pid:" + std::to_string(notify.pid())), std::string::npos)
        << "systemd-notify's own pid became a worker";
}

} // namespace
} // namespace nb::test
