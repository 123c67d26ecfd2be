// The end of a stop. On an activated socket (notify-brokerd.socket) the socket
// outlives the broker, and a datagram queued after it exits makes systemd start
// it again: `systemctl stop notify-brokerd` stops the PartOf= workers in
// parallel, and their last STOPPING=1 restarted the whole pool. So a stopping
// broker on an activated socket reads until its workers have exited (bounded),
// and leaves nothing queued behind. On a socket of its own it exits at once.

#include "support/activated_socket.hpp"
#include "support/broker_test.hpp"

#include <nb/client/notifier.hpp>
#include <nb/test/child_process.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// True if a datagram waits in the socket (what would wake systemd's socket unit).
bool datagram_queued(int fd) {
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 0) == 1;
}

/// A pool worker: READY=1 (barrier-confirmed, then 'y' on done_fd), holds until
/// its stdin closes (systemd's SIGTERM), then says STOPPING=1 and exits at once,
/// without waiting for anyone to read it — as a real worker does.
struct StoppingWorker {
    StoppingWorker(ChildProcess child, int fd) : process(std::move(child)), done_fd(fd) {}
    StoppingWorker(StoppingWorker&& other) noexcept
        : process(std::move(other.process))
        , done_fd(std::exchange(other.done_fd, -1)) {}
    StoppingWorker& operator=(StoppingWorker&&) = delete;
    ~StoppingWorker() {
        if (done_fd >= 0) {
            ::close(done_fd);
        }
    }

    ChildProcess process;
    int done_fd;

    bool wait_ready(std::chrono::milliseconds timeout) const {
        pollfd entry{done_fd, POLLIN, 0};
        char byte = 0;
        return ::poll(&entry, 1, static_cast<int>(timeout.count())) == 1 &&
               ::read(done_fd, &byte, 1) == 1 && byte == 'y';
    }
};

StoppingWorker start_stopping_worker(const std::string& socket_path, const std::string& name) {
    int done[2];
    if (::pipe2(done, 0) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    SpawnOptions options;
    options.stdin_pipe = true;
    auto process = ChildProcess::fork(
        [&] {
            ::close(done[0]);
            client::Notifier notifier(socket_path);
            const bool ok = notifier.notify("X_WORKER=" + name + "\nREADY=1").sent() &&
                            notifier.barrier(5s).sent();
            const char byte = ok ? 'y' : 'n';
            [[maybe_unused]] const auto written = ::write(done[1], &byte, 1);
            char in = 0;
            while (::read(STDIN_FILENO, &in, 1) > 0) {
            }
            return notifier.notify("X_WORKER=" + name + "\nSTOPPING=1").sent() ? 0 : 1;
        },
        options);
    ::close(done[1]);
    ::fcntl(done[0], F_SETFD, FD_CLOEXEC);
    return StoppingWorker{std::move(process), done[0]};
}

using BrokerStop = BrokerTest;

TEST_F(BrokerStop, OnAnActivatedSocketTheBrokerExitsAfterItsWorkersAndLeavesNothingQueued) {
    const ActivatedSocket socket(dir_.file("activated.sock"));
    auto& broker = start_broker_on(socket, {"--expect", "2"});

    auto first = start_stopping_worker(socket.path(), "w1");
    auto second = start_stopping_worker(socket.path(), "w2");
    ASSERT_TRUE(first.wait_ready(5s));
    ASSERT_TRUE(second.wait_ready(5s));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));

    broker.signal(SIGTERM);
    ASSERT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    // Its workers still run: the broker keeps listening for their last words.
    EXPECT_EQ(broker.wait_exit_code(300ms), -1000) << "exited while its workers still ran";

    first.process.close_stdin();
    second.process.close_stdin();
    EXPECT_EQ(first.process.wait_exit_code(5s), 0);
    EXPECT_EQ(second.process.wait_exit_code(5s), 0);
    // Well inside the 5 s grace: it left because its workers had gone.
    EXPECT_EQ(broker.wait_exit_code(3s), 0);
    EXPECT_FALSE(datagram_queued(socket.fd()))
        << "a datagram left behind would socket-activate the broker";
    const std::string log = broker.log();
    EXPECT_NE(log.find("every worker process has exited"), std::string::npos) << log;
    // READY=1 + barrier from each, then both STOPPING=1: every last word was read.
    EXPECT_NE(log.find("received 6 datagrams, accepted 4"), std::string::npos) << log;
}

TEST_F(BrokerStop, OnAnActivatedSocketASecondSIGTERMEndsTheWaitForWorkers) {
    const ActivatedSocket socket(dir_.file("activated.sock"));
    auto& broker = start_broker_on(socket, {"--expect", "1"});
    auto worker = start_stopping_worker(socket.path(), "w1");
    ASSERT_TRUE(worker.wait_ready(5s));
    broker.signal(SIGTERM);
    ASSERT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    broker.signal(SIGTERM);
    EXPECT_EQ(broker.wait_exit_code(2s), 0);
    worker.process.close_stdin();
}

TEST_F(BrokerStop, OnAnActivatedSocketAWorkerThatDoesNotStopDelaysTheExitByTheGraceOnly) {
    const ActivatedSocket socket(dir_.file("activated.sock"));
    auto& broker = start_broker_on(socket, {"--expect", "1"});
    auto worker = start_stopping_worker(socket.path(), "w1");
    ASSERT_TRUE(worker.wait_ready(5s));
    const auto t0 = std::chrono::steady_clock::now();
    broker.signal(SIGTERM);
    EXPECT_EQ(broker.wait_exit_code(10s), 0);
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 4500ms);
    EXPECT_NE(broker.log().find("still running 5 s after the stop"), std::string::npos)
        << broker.log();
    worker.process.close_stdin();
}

TEST_F(BrokerStop, OnASocketOfItsOwnTheBrokerExitsAtOnceWhateverItsWorkersDo) {
    auto& broker = start_broker({"--expect", "1"});
    auto worker = start_stopping_worker(broker.socket_path(), "w1");
    ASSERT_TRUE(worker.wait_ready(5s));
    EXPECT_EQ(broker.terminate(2s), 0);
    worker.process.close_stdin();
}

} // namespace
} // namespace nb::test
