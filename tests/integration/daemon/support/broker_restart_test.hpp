#pragma once
// The fixture of the restart tests (restart_test.cpp, restore_refusal_test.cpp,
// fd_store_test.cpp): a pool of four "web" workers and an optional "gap"
// probe, an activated socket that outlives each broker, and an upstream that
// keeps an fd store by systemd 252's rules (fd_store_upstream.hpp). A first
// broker is killed with SIGKILL; the next one is given the socket and the
// store through LISTEN_FDS, as systemd restarts notify-brokerd.service.

#include "activated_socket.hpp"
#include "broker_test.hpp"
#include "fd_store_upstream.hpp"
#include "state_snapshots.hpp"
#include "worker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

namespace nb::test {

inline constexpr const char* restart_pool_config = R"(
[broker]
status_interval = "50ms"
[[group]]
name = "web"
expect = 4
match = ["web-*"]
[[group]]
name = "probes"
expect = 1
required = false
match = ["gap*"]
)";

class BrokerRestart : public BrokerTest {
protected:
    void SetUp() override {
        socket_fd_ = bound_socket(path_);
        ASSERT_GE(socket_fd_, 0);
    }
    void TearDown() override {
        BrokerTest::TearDown();
        if (HasFailure() && first_) {
            std::cerr << "---- the first notify-brokerd's log ----\n" << first_->log();
        }
        ::close(socket_fd_);
    }

    /// A broker of the pool on these fds (LISTEN_FDS), reporting to the store,
    /// with FDSTORE=capacity (0: no fd store at all).
    BrokerOptions options(std::vector<std::pair<std::string, int>> fds, unsigned capacity = 16) {
        BrokerOptions options;
        options.config = restart_pool_config;
        options.named_listen_fds = std::move(fds);
        options.env["NOTIFY_SOCKET"] = store_.path();
        options.env["FDSTORE"] =
            capacity == 0 ? std::nullopt : std::optional<std::string>(std::to_string(capacity));
        options.wait_until_listening = false;
        return options;
    }

    /// The first broker, on the socket alone.
    void start_first_broker(unsigned capacity = 16) {
        first_ = std::make_unique<BrokerProcess>(dir_, upstream_,
                                                 options({{"notify", socket_fd_}}, capacity));
    }

    /// Waits until the store holds a state with `ready` ready workers.
    [[nodiscard]] bool wait_for_state_with_ready(std::size_t ready) {
        return store_
            .wait_for(
                [&](const std::string&) {
                    const auto state = newest_state(store_);
                    return state && ready_in(*state) == ready;
                },
                std::chrono::seconds(5))
            .has_value();
    }

    /// SIGKILLs the first broker and reads what it sent before it died.
    void kill_first_broker() {
        first_->signal(SIGKILL);
        ASSERT_EQ(first_->wait_exit_code(std::chrono::seconds(5)), -SIGKILL);
        while (store_.next(std::chrono::milliseconds(0))) {
        }
        seen_ = store_.history().size();
    }

    /// A first broker whose four workers are ready, its state saved with them
    /// all, then killed with SIGKILL.
    void run_first_broker_and_kill_it(unsigned capacity = 16) {
        start_first_broker(capacity);
        for (unsigned n = 1; n <= 4; ++n) {
            workers_.push_back(start_worker(
                path_, {"X_WORKER=web-" + std::to_string(n) + "\nREADY=1\nSTATUS=serving"}));
        }
        for (auto& worker : workers_) {
            ASSERT_TRUE(worker.wait_sent());
        }
        ASSERT_TRUE(store_.wait_for([](const std::string& d) { return has_line(d, "READY=1"); },
                                    std::chrono::seconds(5)));
        ASSERT_TRUE(wait_for_state_with_ready(4))
            << "no state with four ready workers in the store";
        kill_first_broker();
    }

    /// The next broker, given the socket and the store, as systemd restarts it.
    BrokerProcess& restart_broker(unsigned capacity = 16) {
        return start_broker(options(store_.listen_fds(socket_fd_), capacity));
    }

    /// The restarted broker's first word upstream: READY=1 or not, and a
    /// STATUS= starting with status_prefix ("4/4 workers ready").
    void expect_first_report(bool ready, const std::string& status_prefix) {
        const auto first = store_.next(std::chrono::seconds(5));
        ASSERT_TRUE(first) << "the restarted broker said nothing";
        EXPECT_EQ(has_line(*first, "READY=1"), ready) << printable(*first);
        EXPECT_TRUE(status_starts_with(*first, status_prefix)) << printable(*first);
    }

    /// Lets the pool's workers exit (a stopping broker on an activated socket
    /// waits for the processes it watches).
    void release_workers() {
        for (auto& worker : workers_) {
            worker.close_stdin(); // some have exited already: no exit code to check
            (void)worker.wait_exit_code(std::chrono::seconds(5));
        }
    }

    /// The second broker's datagrams so far.
    [[nodiscard]] std::vector<std::string> since_restart() const {
        return {store_.history().begin() + static_cast<long>(seen_), store_.history().end()};
    }

    const std::string path_ = dir_.file("notify.sock");
    int socket_fd_ = -1;
    FdStoreUpstream store_{dir_.file("systemd-notify.sock"), 16};
    std::unique_ptr<BrokerProcess> first_;
    std::vector<Worker> workers_;
    std::size_t seen_ = 0;
};

} // namespace nb::test
