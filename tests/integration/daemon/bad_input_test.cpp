// Whatever a sender puts on the socket, the broker drops it whole, counts why,
// closes every fd that came with it, and never lets it become an upstream line.

#include "support/broker_test.hpp"
#include "support/raw_sender.hpp"
#include "support/worker.hpp"

#include <nb/client/notifier.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

/// The "dropped: ..." summary notify-brokerd logs when it exits.
std::string drop_summary(const std::string& log) {
    const std::string tag = "dropped: ";
    const auto begin = log.find(tag);
    const auto end = log.find(';', begin);
    if (begin == std::string::npos || end == std::string::npos) {
        return "<no summary in log>";
    }
    return log.substr(begin + tag.size(), end - begin - tag.size());
}

using BadInput = BrokerTest;

TEST_F(BadInput, EachKindOfJunkIsDroppedAndCountedUnderItsReason) {
    auto& broker = start_broker({"--expect", "1"});
    RawSender sender(broker.socket_path());
    ASSERT_EQ(sender.send("STATUS=" + std::string(4096 - 7, 'x')), 0); // exactly 4096: oversize
    ASSERT_EQ(sender.send("READY=1" + std::string(5000, '\n')), 0);    // > 4096: oversize
    ASSERT_EQ(sender.send(""), 0);                                     // empty
    ASSERT_EQ(sender.send("READY=1\0X_WORKER=nul"s), 0);               // embedded NUL
    ASSERT_EQ(sender.send("READY=1\nthis is not an assignment"), 0);   // malformed line
    ASSERT_EQ(sender.send("READY=1\nSTATUS=\xff\xfe not UTF-8"), 0);   // bad UTF-8
    ASSERT_EQ(sender.send("READY=2"), 0);                              // bad value
    // Keys with no meaning for a worker are no junk: ignored one by one (issue
    // 13, worker_keys_test.cpp). A bad value of a known key still is.
    ASSERT_EQ(sender.send("READY=1\nMAINPID=0"), 0); // bad value
    ASSERT_EQ(sender.send("READY=1\nBARRIER=1"), 0); // barrier with company
    ASSERT_EQ(sender.send("BARRIER=1"), 0);          // barrier without fd
    ASSERT_TRUE(barrier(broker.socket_path()));
    drain_upstream();
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U) << "junk made the pool ready";

    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_EQ(drop_summary(broker.log()), "oversize=2 malformed=6 bad-barrier=2");
}

TEST_F(BadInput, ADatagramOf4095BytesIsStillAccepted) {
    auto& broker = start_broker({"--expect", "1"});
    RawSender sender(broker.socket_path());
    const std::string head = "READY=1\nSTATUS=";
    ASSERT_EQ(sender.send(head + std::string(4095 - head.size(), 'y')), 0);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
}

TEST_F(BadInput, FdsAttachedToJunkAreAllClosed) {
    auto& broker = start_broker({"--expect", "1"});
    const int dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(dev_null, 0);
    const std::vector<int> fds(253, dev_null); // SCM_MAX_FD: 253 new fds in the broker
    // This process becomes a known worker first: the broker then rightly holds
    // its pidfd, before and after.
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"STATUS=known"}));
    const std::size_t before = broker.fd_count();
    const std::string listing_before = broker.fd_listing();

    RawSender sender(broker.socket_path());
    ASSERT_EQ(sender.send("this is junk", fds), 0);
    ASSERT_EQ(sender.send("STATUS=valid but with fds", fds), 0);
    ASSERT_EQ(sender.send("BARRIER=1", fds), 0); // a barrier must carry exactly one fd
    ASSERT_EQ(sender.send("", std::vector<int>(3, dev_null)), 0);
    // A barrier from another sender: everything queued before it has been processed.
    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.fd_count(), before) << "before:\n"
                                         << listing_before << "after:\n"
                                         << broker.fd_listing();
    ::close(dev_null);
}

TEST_F(BadInput, ASenderThePolicyDoesNotAllowIsRejected) {
    BrokerOptions options;
    options.args = {"--socket-mode", "0666"};
    options.config = "[[group]]\nname = \"workers\"\nexpect = 1\n\n"
                     "[[allow]]\nuid = 0\n";
    auto& broker = start_broker(options);

    // The intruder stays until its datagram was read: without SCM_PIDFD a
    // sender already reaped cannot be attributed at all (no-credentials), and
    // this test is about the policy.
    int sent[2];
    ASSERT_EQ(::pipe(sent), 0);
    SpawnOptions with_stdin;
    with_stdin.stdin_pipe = true;
    auto intruder = ChildProcess::fork(
        [&broker, &sent] {
            ::close(sent[0]);
            // nobody: a uid no allow rule names.
            if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) {
                return 2;
            }
            client::Notifier notifier(broker.socket_path());
            if (!notifier.notify("X_WORKER=intruder\nREADY=1").sent()) {
                return 1;
            }
            ::close(sent[1]);
            char byte = 0;
            return ::read(STDIN_FILENO, &byte, 1) >= 0 ? 0 : 1;
        },
        with_stdin);
    ::close(sent[1]);
    char byte = 0;
    ASSERT_EQ(::read(sent[0], &byte, 1), 0); // EOF: sent
    ::close(sent[0]);
    ASSERT_TRUE(barrier(broker.socket_path()));
    intruder.close_stdin();
    ASSERT_EQ(intruder.wait_exit_code(5s), 0);
    drain_upstream();
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U) << "uid 65534 made the pool ready";

    // Root is allowed: the policy refuses the intruder, not everyone.
    auto worker = start_worker(broker.socket_path(), {"X_WORKER=root-worker\nREADY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(worker.wait_sent());
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_EQ(drop_summary(broker.log()), "unauthorised=1");
    EXPECT_NE(broker.log().find("uid 65534: unauthorised"), std::string::npos);
}

TEST_F(BadInput, ASenderWhosePidTheBrokerCannotSeeIsDroppedAsUnattributable) {
    BrokerOptions options;
    options.args = {"--expect", "1"};
    options.own_pid_namespace = true; // our pids mean nothing in there: SCM_CREDENTIALS pid 0
    auto& broker = start_broker(options);
    RawSender sender(broker.socket_path());
    ASSERT_EQ(sender.send("READY=1"), 0);
    ASSERT_TRUE(barrier(broker.socket_path()));
    drain_upstream();
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_EQ(drop_summary(broker.log()), "no-credentials=1");
}

bool all_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

/// A line the broker may send: its own keys, numbers where numbers belong.
bool is_broker_line(std::string_view line) {
    for (const std::string_view fixed :
         {"READY=1", "STOPPING=1", "RELOADING=1", "WATCHDOG=1", "WATCHDOG=trigger"}) {
        if (line == fixed) {
            return true;
        }
    }
    for (const std::string_view numeric : {"MONOTONIC_USEC=", "EXTEND_TIMEOUT_USEC="}) {
        if (line.starts_with(numeric)) {
            return all_digits(line.substr(numeric.size()));
        }
    }
    return line.starts_with("STATUS=");
}

/// Every line the broker sends upstream starts with a key it may send.
void expect_only_broker_lines(const std::vector<std::string>& history) {
    for (const auto& datagram : history) {
        for (const auto& line : lines_of(datagram)) {
            EXPECT_TRUE(is_broker_line(line)) << "upstream line: " << line;
        }
    }
}

TEST_F(BadInput, AStormOfRandomDatagramsLeavesTheBrokerRunningAndLeakFree) {
    auto& broker = start_broker({"--expect", "1"});
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"STATUS=known"}));
    const std::size_t fds_before = broker.fd_count();
    const int dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(dev_null, 0);

    std::mt19937 random(20261122); // fixed seed: a failure can be replayed
    const std::vector<std::string> pieces = {
        "READY=1", "STATUS=", "X_WORKER=", "BARRIER=1", "WATCHDOG=", "\n", "=", "\\", "\xc3", "\0"};
    RawSender sender(broker.socket_path());
    for (int i = 0; i < 20'000; ++i) {
        std::string datagram;
        const int parts = static_cast<int>(random() % 8);
        for (int p = 0; p < parts; ++p) {
            if (random() % 2 == 0) {
                datagram += pieces[random() % pieces.size()];
            } else {
                datagram.append(random() % 64, static_cast<char>(random() % 256));
            }
        }
        if (random() % 50 == 0) {
            datagram.append(4000 + random() % 200, 'z'); // around the size cap
        }
        const std::vector<int> fds(random() % 10 == 0 ? random() % 4 : 0, dev_null);
        ASSERT_EQ(sender.send(datagram, fds), 0) << "datagram " << i;
    }
    ::close(dev_null);
    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.fd_count(), fds_before) << broker.fd_listing();
    drain_upstream();
    expect_only_broker_lines(upstream_.history());
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(BadInput, NewlinesInWorkerTextNeverBecomeUpstreamLines) {
    auto& broker = start_broker({"--expect", "2", "--status-interval", "1ms"});
    RawSender sender(broker.socket_path());
    // systemd 252 reads backslash escapes: "\n" here is an escaped newline
    // inside the value, not a line break.
    ASSERT_EQ(sender.send("X_WORKER=w1\nSTATUS=evil\\nREADY=1\\nMAINPID=1"), 0);
    ASSERT_EQ(sender.send("X_WORKER=w2\\nREADY=1\nSTATUS=x"), 0);
    ASSERT_EQ(sender.send("X_WORKER=w3\rREADY=1\nSTATUS=cr\rMAINPID=1"), 0);
    ASSERT_TRUE(barrier(broker.socket_path()));
    drain_upstream();
    EXPECT_EQ(broker.terminate(), 0);
    ASSERT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U);
    expect_only_broker_lines(upstream_.history());
}

} // namespace
} // namespace nb::test
