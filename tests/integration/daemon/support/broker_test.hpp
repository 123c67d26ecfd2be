#pragma once
// A GoogleTest fixture with a temp dir, an upstream receiver and (once the test
// starts it) a notify-brokerd, whose log is printed when the test failed.

#include "activated_socket.hpp"
#include "broker_process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>

namespace nb::test {

/// Lets each worker (a Worker or a ChildProcess) finish by closing its stdin,
/// then expects each to exit 0 within 5 s.
template <typename... Workers>
void expect_clean_exits(Workers&... workers) {
    (workers.close_stdin(), ...);
    const auto expect_exit_zero = [](auto& worker) {
        EXPECT_EQ(worker.wait_exit_code(std::chrono::seconds(5)), 0) << "worker " << worker.pid();
    };
    (expect_exit_zero(workers), ...);
}

class BrokerTest : public ::testing::Test {
protected:
    void TearDown() override {
        if (HasFailure() && broker_) {
            std::cerr << "---- notify-brokerd log ----\n" << broker_->log();
        }
    }

    BrokerProcess& start_broker(const BrokerOptions& options) {
        broker_ = std::make_unique<BrokerProcess>(dir_, upstream_, options);
        return *broker_;
    }
    BrokerProcess& start_broker(std::vector<std::string> args) {
        BrokerOptions options;
        options.args = std::move(args);
        return start_broker(options);
    }
    /// The broker on a socket passed in LISTEN_FDS, as systemd starts it for
    /// notify-brokerd.socket.
    BrokerProcess& start_broker_on(const ActivatedSocket& socket, BrokerOptions options) {
        options.listen_fd = socket.fd();
        return start_broker(options);
    }
    BrokerProcess& start_broker_on(const ActivatedSocket& socket, std::vector<std::string> args) {
        BrokerOptions options;
        options.args = std::move(args);
        return start_broker_on(socket, std::move(options));
    }

    /// Reads what the broker has already sent (after a barrier, everything it
    /// caused is queued): returns the number of datagrams read.
    std::size_t drain_upstream() {
        std::size_t count = 0;
        while (upstream_.next(std::chrono::milliseconds(0))) {
            ++count;
        }
        return count;
    }

    TempDir dir_;
    UpstreamReceiver upstream_{dir_.file("upstream.sock")};
    std::unique_ptr<BrokerProcess> broker_;
};

} // namespace nb::test
