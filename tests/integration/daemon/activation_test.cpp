// Socket activation (notify-brokerd.socket): the broker takes the datagram
// socket systemd passes as LISTEN_FDS and leaves its path alone.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// A socket bound at path, as systemd creates it for notify-brokerd.socket
/// (PassCredentials=yes: the kernel attaches credentials to datagrams queued
/// even before the broker runs).
int bound_socket(const std::string& path, int type) {
    const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int on = 1;
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
        return -1;
    }
    return fd;
}

using SocketActivation = BrokerTest;

TEST_F(SocketActivation, TheBrokerListensOnThePassedSocket) {
    const std::string path = dir_.file("activated.sock");
    const int fd = bound_socket(path, SOCK_DGRAM);
    ASSERT_GE(fd, 0);
    BrokerOptions options;
    options.listen_fd = fd;
    options.args = {"--expect", "1"};
    auto& broker = start_broker(options);
    ::close(fd);

    auto worker = start_worker(path, {"READY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(worker.wait_sent());
    EXPECT_NE(broker.log().find("listening on " + path), std::string::npos);

    // An activated broker waits for live workers when stopping (their last words
    // must not re-activate it): let the pool go first, as systemctl stop would.
    worker.close_stdin();
    EXPECT_EQ(worker.wait_exit_code(5s), 0);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_TRUE(std::filesystem::exists(path)) << "the socket unit's path was removed";
}

TEST_F(SocketActivation, WithoutNotifySocketTheBrokerLogsWhatItWouldHaveSent) {
    // The laptop demo: no systemd above us. The activated socket exists before
    // the broker runs, so a worker can report (and wait on its barrier) at once.
    const std::string path = dir_.file("activated.sock");
    const int fd = bound_socket(path, SOCK_DGRAM);
    ASSERT_GE(fd, 0);
    BrokerOptions options;
    options.listen_fd = fd;
    options.args = {"--expect", "1"};
    options.env["NOTIFY_SOCKET"] = std::nullopt;
    options.wait_until_listening = false;
    auto& broker = start_broker(options);
    ::close(fd);

    auto worker = start_worker(path, {"X_WORKER=demo\nREADY=1"});
    ASSERT_TRUE(worker.wait_sent());
    const std::string log = broker.log();
    EXPECT_NE(log.find("<6>upstream (no NOTIFY_SOCKET): READY=1 | STATUS=1/1 workers ready"),
              std::string::npos)
        << log;
    worker.close_stdin();
    EXPECT_EQ(worker.wait_exit_code(5s), 0);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_FALSE(upstream_.next(0ms)) << "sent to a socket it was never given";
}

TEST_F(SocketActivation, APassedStreamSocketIsRefusedWithAnError) {
    const int fd = bound_socket(dir_.file("stream.sock"), SOCK_STREAM);
    ASSERT_GE(fd, 0);
    BrokerOptions options;
    options.listen_fd = fd;
    options.wait_until_listening = false;
    auto& broker = start_broker(options);
    ::close(fd);
    EXPECT_EQ(broker.wait_exit_code(10s), 1);
    EXPECT_NE(broker.log().find("AF_UNIX datagram socket"), std::string::npos) << broker.log();
}

} // namespace
} // namespace nb::test
