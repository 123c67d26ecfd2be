// The broker's upstream when NOTIFY_SOCKET is vsock (a broker inside a VM
// reporting to its host): sent as sd_notify() sends it, one connection per
// message, and never blocking the loop. Needs AF_VSOCK; delivery needs a
// transport that reaches this machine itself (vsock_loopback, CID 1): without
// them the tests are skipped, saying why.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <nb/test/fd.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <linux/vm_sockets.h>
#include <poll.h>
#include <sys/socket.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
    pollfd entry{fd, events, 0};
    return ::poll(&entry, 1, static_cast<int>(timeout.count())) > 0;
}

/// A vsock stream listener on some free port of every CID; nothing without AF_VSOCK.
struct VsockListener {
    Fd fd;
    unsigned port = 0;
};

std::optional<VsockListener> listen_vsock() {
    VsockListener listener;
    listener.fd = Fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener.fd) {
        return std::nullopt;
    }
    sockaddr_vm address{};
    address.svm_family = AF_VSOCK;
    address.svm_cid = VMADDR_CID_ANY;
    address.svm_port = VMADDR_PORT_ANY;
    socklen_t length = sizeof(address);
    if (::bind(listener.fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) !=
            0 ||
        ::listen(listener.fd.get(), 16) != 0 ||
        ::getsockname(listener.fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return std::nullopt;
    }
    listener.port = address.svm_port;
    return listener;
}

/// Why this machine cannot reach itself over vsock (CID 1), or nothing if it can.
std::optional<std::string> no_vsock_loopback(const VsockListener& listener) {
    Fd client(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_vm peer{};
    peer.svm_family = AF_VSOCK;
    peer.svm_cid = VMADDR_CID_LOCAL;
    peer.svm_port = listener.port;
    if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)) != 0 &&
        errno != EINPROGRESS) {
        return std::string("connect to CID 1: ") + std::strerror(errno);
    }
    if (!wait_fd(listener.fd.get(), POLLIN, 3000ms)) {
        return "connect to CID 1 was not answered within 3 s";
    }
    int error = 0;
    socklen_t length = sizeof(error);
    ::getsockopt(client.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    Fd accepted(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (error != 0 || !accepted) {
        return std::string("connect to CID 1: ") + std::strerror(error != 0 ? error : errno);
    }
    return std::nullopt;
}

/// The next message: one accepted connection read to its EOF.
std::optional<std::string> next_message(const VsockListener& listener,
                                        std::chrono::milliseconds timeout) {
    if (!wait_fd(listener.fd.get(), POLLIN, timeout)) {
        return std::nullopt;
    }
    Fd connection(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    std::string text;
    char buffer[4096];
    while (connection && wait_fd(connection.get(), POLLIN, 2000ms)) {
        const ssize_t n = ::recv(connection.get(), buffer, sizeof(buffer), 0);
        if (n <= 0) {
            return text; // EOF: the broker said all; our close is its EOF
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return std::nullopt;
}

class AVsockUpstream : public BrokerTest {
protected:
    void SetUp() override {
        listener_ = listen_vsock();
        if (!listener_) {
            GTEST_SKIP() << "no AF_VSOCK stream sockets in this kernel (" << std::strerror(errno)
                         << ")";
        }
    }

    /// A broker on an activated socket (its socket is there before it runs:
    /// nothing says upstream when it listens), workers send to socket_path().
    BrokerProcess& start(const std::string& notify_socket) {
        BrokerOptions options;
        options.args = {"--expect", "3", "--status-interval", "1ms"};
        options.env["NOTIFY_SOCKET"] = notify_socket;
        options.wait_until_listening = false; // upstream is not this test's receiver
        socket_ = std::make_unique<ActivatedSocket>(
            dir_.file("activated-" + std::to_string(++started_) + ".sock"));
        auto& broker = start_broker_on(*socket_, options);
        socket_->close();
        return broker;
    }
    [[nodiscard]] std::string socket_path() const { return socket_->path(); }

    std::optional<VsockListener> listener_;
    std::unique_ptr<ActivatedSocket> socket_;
    int started_ = 0;
};

TEST_F(AVsockUpstream, ThatNeverAnswersDoesNotHoldUpTheWorkers) {
    // A port nobody listens on: refused at once where CID 1 is reachable,
    // a connect that hangs until its timeout (2 s) where it is not.
    auto& broker = start("vsock-stream:1:" + std::to_string(listener_->port + 1));
    std::vector<double> round_trips;
    std::vector<Worker> workers;
    const auto end = Clock::now() + 5s;
    for (int n = 0; Clock::now() < end; ++n) {
        const auto start = Clock::now();
        if (n < 3) {
            workers.push_back(
                start_worker(socket_path(), {"X_WORKER=w" + std::to_string(n) + "\nREADY=1"}));
            ASSERT_TRUE(workers.back().wait_sent(5s)) << "worker " << n << " was not served";
        } else {
            ASSERT_TRUE(barrier(socket_path())) << "round " << n << " was not served";
        }
        round_trips.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    const double slowest = *std::max_element(round_trips.begin(), round_trips.end());
    std::cout << round_trips.size()
              << " worker round trips in 5 s towards a silent vsock upstream, "
              << "slowest " << slowest << " ms\n";
    EXPECT_LT(slowest, 1000.0) << "the loop waited for the vsock upstream";
    // It did try (refused, timed out, or no transport: each says so).
    EXPECT_NE(broker.log().find("upstream send to vsock-stream:1:"), std::string::npos);
    for (auto& worker : workers) {
        worker.close_stdin();
        EXPECT_EQ(worker.wait_exit_code(5s), 0);
    }
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(AVsockUpstream, GetsEveryMessageOnAConnectionOfItsOwnInOrder) {
    if (const auto why = no_vsock_loopback(*listener_)) {
        GTEST_SKIP() << "this machine cannot reach itself over vsock (no vsock_loopback: "
                     << "modprobe vsock_loopback): " << *why;
    }
    for (const char* form : {"vsock", "vsock-stream"}) {
        SCOPED_TRACE(form);
        auto& broker = start(std::string(form) + ":1:" + std::to_string(listener_->port));
        const auto first = next_message(*listener_, 5000ms);
        ASSERT_TRUE(first) << "nothing arrived";
        EXPECT_EQ(first->rfind("STATUS=", 0), 0U) << printable(*first);
        std::vector<Worker> workers;
        for (int n = 0; n < 3; ++n) {
            workers.push_back(
                start_worker(socket_path(), {"X_WORKER=w" + std::to_string(n) + "\nREADY=1"}));
            ASSERT_TRUE(workers.back().wait_sent());
        }
        std::vector<std::string> received;
        while (auto message = next_message(*listener_, 2000ms)) {
            received.push_back(*message);
            if (has_line(*message, "READY=1")) {
                break;
            }
        }
        ASSERT_FALSE(received.empty());
        EXPECT_TRUE(has_line(received.back(), "READY=1")) << printable(received.back());
        EXPECT_TRUE(has_line(received.back(), "STATUS=3/3 workers ready"))
            << printable(received.back());
        for (auto& worker : workers) {
            worker.close_stdin();
            EXPECT_EQ(worker.wait_exit_code(5s), 0);
        }
        EXPECT_EQ(broker.terminate(), 0);
        const auto stopping = next_message(*listener_, 5000ms);
        ASSERT_TRUE(stopping);
        EXPECT_TRUE(has_line(*stopping, "STOPPING=1")) << printable(*stopping);
        while (next_message(*listener_, 200ms)) {
        }
        broker_.reset();
    }
}

} // namespace
} // namespace nb::test
