// Socket activation (notify-brokerd.socket): the broker takes the datagram
// socket systemd passes as LISTEN_FDS and leaves its path alone.

#include "support/activated_socket.hpp"
#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <sys/socket.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using SocketActivation = BrokerTest;

TEST_F(SocketActivation, TheBrokerListensOnThePassedSocket) {
    ActivatedSocket socket(dir_.file("activated.sock"));
    const std::string& path = socket.path();
    auto& broker = start_broker_on(socket, {"--expect", "1"});
    socket.close();

    auto worker = start_worker(path, {"READY=1"});
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(worker.wait_sent());
    EXPECT_NE(broker.log().find("listening on " + path), std::string::npos);

    // An activated broker waits for live workers when stopping (their last words
    // must not re-activate it): let the pool go first, as systemctl stop would.
    expect_clean_exits(worker);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_TRUE(std::filesystem::exists(path)) << "the socket unit's path was removed";
}

TEST_F(SocketActivation, WithoutNotifySocketTheBrokerLogsWhatItWouldHaveSent) {
    // The laptop demo: no systemd above us. The activated socket exists before
    // the broker runs, so a worker can report (and wait on its barrier) at once.
    ActivatedSocket socket(dir_.file("activated.sock"));
    const std::string& path = socket.path();
    BrokerOptions options;
    options.args = {"--expect", "1"};
    options.env["NOTIFY_SOCKET"] = std::nullopt;
    options.wait_until_listening = false;
    auto& broker = start_broker_on(socket, options);
    socket.close();

    auto worker = start_worker(path, {"X_WORKER=demo\nREADY=1"});
    ASSERT_TRUE(worker.wait_sent());
    const std::string log = broker.log();
    EXPECT_NE(log.find("<6>upstream (no NOTIFY_SOCKET): READY=1 | STATUS=1/1 workers ready"),
              std::string::npos)
        << log;
    expect_clean_exits(worker);
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_FALSE(upstream_.next(0ms)) << "sent to a socket it was never given";
}

TEST_F(SocketActivation, APassedStreamSocketIsRefusedWithAnError) {
    ActivatedSocket socket(dir_.file("stream.sock"), SOCK_STREAM);
    BrokerOptions options;
    options.wait_until_listening = false;
    auto& broker = start_broker_on(socket, options);
    socket.close();
    EXPECT_EQ(broker.wait_exit_code(10s), 1);
    EXPECT_NE(broker.log().find("AF_UNIX datagram socket"), std::string::npos) << broker.log();
}

} // namespace
} // namespace nb::test
