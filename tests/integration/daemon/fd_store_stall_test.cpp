// The fd store while systemd does not read: a notify socket whose queue is
// full (PID 1 busy in a long daemon-reload) while the pool changes and the
// broker saves its state again and again. The broker keeps serving; once PID 1
// reads again it gets the store's datagrams in order with valid fds, only the
// newest state, and the broker holds no fd more than before. The store
// follows systemd 252's rules (support/fd_store_upstream.hpp).

#include "base/sealed_memfd.hpp"
#include "core/state_codec.hpp"
#include "support/broker_test.hpp"
#include "support/fd_store_upstream.hpp"
#include "support/full_receiver.hpp"
#include "support/worker.hpp"

#include <nb/test/fd.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* pool_config = R"(
[broker]
status_interval = "20ms"
[[group]]
name = "web"
expect = 2
match = ["web-*"]
[[group]]
name = "churn"
expect = 1
required = false
match = ["churn-*"]
)";

std::optional<core::StateSnapshot> read_state(int fd) {
    auto bytes = daemon::read_sealed_memfd(fd, 1U << 20);
    if (!bytes) {
        return std::nullopt;
    }
    auto snapshot = core::decode_snapshot(bytes.value());
    return snapshot ? std::optional<core::StateSnapshot>(std::move(snapshot.value()))
                    : std::nullopt;
}

/// The newest valid snapshot in the store.
std::optional<core::StateSnapshot> newest_state(const FdStoreUpstream& store) {
    std::optional<core::StateSnapshot> newest;
    for (const auto& entry : store.store()) {
        if (entry.name.starts_with("nb-state.")) {
            auto snapshot = read_state(entry.fd);
            if (snapshot && (!newest || snapshot->sequence > newest->sequence)) {
                newest = std::move(snapshot);
            }
        }
    }
    return newest;
}

std::vector<std::string> names_in(const core::StateSnapshot& snapshot) {
    std::vector<std::string> names;
    for (const auto& worker : snapshot.workers) {
        names.push_back(worker.name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::uint64_t inode_of(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

std::uint64_t pidfs_inode(pid_t pid) {
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    return pidfd ? inode_of(pidfd.get()) : 0;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++count;
    }
    return count;
}

class TheFdStoreOfAStalledUpstream : public BrokerTest {
protected:
    BrokerProcess& start() {
        BrokerOptions options;
        options.config = pool_config;
        options.env["FDSTORE"] = "16";
        broker_ = std::make_unique<BrokerProcess>(dir_, store_, options);
        return *broker_;
    }

    /// Waits until the broker has logged a save of a table of `workers`
    /// workers more often than `before` times; the new count (0: timed out).
    std::size_t wait_for_save(std::size_t workers, std::size_t before) {
        const std::string line = "saved (" + std::to_string(workers) + " workers";
        const auto deadline = Clock::now() + 5s;
        while (Clock::now() < deadline) {
            const auto now = occurrences(broker_->log(), line);
            if (now > before) {
                return now;
            }
            std::this_thread::sleep_for(5ms); // polling a log file: no event to wait on
        }
        return 0;
    }

    std::size_t saves_of(std::size_t workers) const {
        return occurrences(broker_->log(), "saved (" + std::to_string(workers) + " workers");
    }

    FdStoreUpstream store_{dir_.file("systemd-notify.sock"), 16};
    FdStoreUpstream big_store_{dir_.file("systemd-notify-100.sock"), 100};
};

TEST_F(TheFdStoreOfAStalledUpstream, KeepsTheLoopServingThenDeliversTheNewestStateInOrder) {
    auto& broker = start();
    auto one = start_worker(broker.socket_path(), {"X_WORKER=web-1\nREADY=1"});
    auto two = start_worker(broker.socket_path(), {"X_WORKER=web-2\nREADY=1"});
    ASSERT_TRUE(one.wait_sent());
    ASSERT_TRUE(two.wait_sent());
    ASSERT_TRUE(store_.wait_for(
        [&](const std::string&) {
            const auto state = newest_state(store_);
            return store_.count_named("nb-pidfd-") == 2 && state && state->workers.size() == 2;
        },
        5s))
        << "the store never held both workers";
    while (store_.next(200ms)) { // what is still on its way
    }
    const std::size_t fds_before = broker.fd_count();
    const std::size_t history_before = store_.history().size();

    // PID 1 stops reading.
    ASSERT_GT(fill_receiver_queue(store_.path()), 0) << "could not fill the upstream's queue";

    // Meanwhile: web-2 goes and web-3 takes its place, and workers come and
    // go, each change saved. Every datagram is served at once.
    // Each count is taken before the change it waits for, which may be saved at once.
    const std::size_t alone = saves_of(1);
    two.close_stdin();
    ASSERT_EQ(two.wait_exit_code(5s), 0);
    ASSERT_NE(wait_for_save(1, alone), 0U) << "no save after web-2 left";
    auto three = start_worker(broker.socket_path(), {"X_WORKER=web-3\nREADY=1"});
    ASSERT_TRUE(three.wait_sent(2s)) << "a worker was not served while upstream stalled";
    constexpr int rounds = 10;
    for (int round = 0; round < rounds; ++round) {
        const auto served = Clock::now();
        const auto three_saved = saves_of(3);
        auto churn = start_worker(broker.socket_path(),
                                  {"X_WORKER=churn-" + std::to_string(round) + "\nREADY=1"});
        ASSERT_TRUE(churn.wait_sent(2s)) << "round " << round << ": not served during the stall";
        ASSERT_LT(Clock::now() - served, 2s);
        ASSERT_NE(wait_for_save(3, three_saved), 0U) << "round " << round;
        const auto before = saves_of(2);
        churn.close_stdin();
        ASSERT_EQ(churn.wait_exit_code(5s), 0);
        ASSERT_NE(wait_for_save(2, before), 0U) << "round " << round;
        ASSERT_TRUE(barrier(broker.socket_path())) << "round " << round;
    }
    const std::size_t fds_stalled = broker.fd_count();
    EXPECT_EQ(store_.history().size(), history_before) << "the queue was not full after all";

    // PID 1 reads again: the fillers, then what waited, in order.
    std::vector<std::string> received;
    while (auto datagram = store_.next(received.empty() ? 5000ms : 500ms)) {
        if (*datagram != queue_filler) {
            received.push_back(*datagram);
        }
    }
    std::string all;
    for (const auto& d : received) {
        all += "[" + printable(d) + "] ";
    }
    std::cout << "after " << 2 * rounds + 2 << " saves during the stall: " << received.size()
              << " datagrams: " << all << "\n";
    const auto state_stores = std::count_if(received.begin(), received.end(), [](const auto& d) {
        return has_line(d, "FDSTORE=1") && d.find("FDNAME=nb-state.") != std::string::npos;
    });
    EXPECT_EQ(state_stores, 1) << "stale snapshots went after the stall: " << all;
    const auto churn_pidfds = std::count_if(received.begin(), received.end(), [&](const auto& d) {
        return d.find("FDNAME=nb-pidfd-") != std::string::npos &&
               d.find("nb-pidfd-" + std::to_string(one.pid())) == std::string::npos &&
               d.find("nb-pidfd-" + std::to_string(two.pid())) == std::string::npos &&
               d.find("nb-pidfd-" + std::to_string(three.pid())) == std::string::npos;
    });
    EXPECT_EQ(churn_pidfds, 0) << "pidfds of workers gone before PID 1 read were sent: " << all;

    // The store as systemd would hold it now: the newest state, both slots'
    // remove-before-store order kept (a wrong order leaves an older state newest).
    const auto state = newest_state(store_);
    ASSERT_TRUE(state) << "no valid state in the store";
    EXPECT_EQ(names_in(*state), (std::vector<std::string>{"web-1", "web-3"})) << all;
    EXPECT_EQ(store_.count_named("nb-state."), 2U);
    // The pidfds: web-2's removed, web-3's added, each a live pidfd of its process.
    EXPECT_EQ(store_.count_named("nb-pidfd-"), 2U) << all;
    for (const auto& worker : {&one, &three}) {
        const std::string name = "nb-pidfd-" + std::to_string(worker->pid());
        const auto entry = std::find_if(store_.store().begin(), store_.store().end(),
                                        [&](const auto& e) { return e.name == name; });
        ASSERT_NE(entry, store_.store().end()) << name << " missing: " << all;
        EXPECT_EQ(inode_of(entry->fd), pidfs_inode(worker->pid())) << name;
    }

    // Nothing leaked: every queued fd went or was closed.
    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_EQ(broker.fd_count(), fds_before) << broker.fd_listing();
    std::cout << "broker fds: " << fds_before << " before, " << fds_stalled
              << " at the end of the stall, " << broker.fd_count() << " after\n";
    EXPECT_NE(broker.log().find("reads again after"), std::string::npos);
    expect_clean_exits(one, three);
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(TheFdStoreOfAStalledUpstream, RefusesPidfdsBeyondItsBoundAndStoresThemOnceSystemdReads) {
    // More workers than the queue's 64 pidfd entries, all arriving while PID 1
    // does not read: the rest are asked again once it reads.
    constexpr int workers = 70;
    BrokerOptions options;
    options.config = "[broker]\nstatus_interval = \"20ms\"\n[[group]]\nname = \"web\"\nexpect = " +
                     std::to_string(workers) + "\nmatch = [\"web-*\"]\n";
    options.env["FDSTORE"] = "100";
    broker_ = std::make_unique<BrokerProcess>(dir_, big_store_, options);
    auto& broker = *broker_;
    while (big_store_.next(200ms)) {
    }
    ASSERT_GT(fill_receiver_queue(big_store_.path()), 0) << "could not fill the upstream's queue";
    std::vector<Worker> pool;
    for (int n = 0; n < workers; ++n) {
        pool.push_back(start_worker(broker.socket_path(),
                                    {"X_WORKER=web-" + std::to_string(n) + "\nREADY=1"}));
    }
    for (auto& worker : pool) {
        ASSERT_TRUE(worker.wait_sent(5s))
            << "worker " << worker.pid() << " not served in the stall";
    }
    const auto refused = [&] {
        return broker.log().find("are asked again every") != std::string::npos;
    };
    for (const auto deadline = Clock::now() + 5s; !refused() && Clock::now() < deadline;) {
        std::this_thread::sleep_for(10ms); // polling a log file: no event to wait on
    }
    ASSERT_TRUE(refused()) << "the queue never refused a pidfd";
    const std::size_t fds_stalled = broker.fd_count();

    // PID 1 reads again: every worker's pidfd ends up in the store, each alive.
    const bool all =
        big_store_
            .wait_for(
                [&](const std::string&) {
                    return big_store_.count_named("nb-pidfd-") == static_cast<std::size_t>(workers);
                },
                10s)
            .has_value();
    EXPECT_TRUE(all) << big_store_.count_named("nb-pidfd-") << " of " << workers
                     << " pidfds stored";
    for (const auto& worker : pool) {
        const std::string name = "nb-pidfd-" + std::to_string(worker.pid());
        const auto entry = std::find_if(big_store_.store().begin(), big_store_.store().end(),
                                        [&](const auto& e) { return e.name == name; });
        ASSERT_NE(entry, big_store_.store().end()) << name << " missing";
        EXPECT_EQ(inode_of(entry->fd), pidfs_inode(worker.pid())) << name;
    }
    while (big_store_.next(300ms)) { // the snapshot of that save comes after its pidfds
    }
    const auto state = newest_state(big_store_);
    ASSERT_TRUE(state);
    EXPECT_EQ(state->workers.size(), static_cast<std::size_t>(workers));
    ASSERT_TRUE(barrier(broker.socket_path()));
    std::cout << "broker fds: " << fds_stalled << " during the stall (64 queued dups), "
              << broker.fd_count() << " after\n";
    EXPECT_LT(broker.fd_count() + 60, fds_stalled) << "the queued dups were not closed";
    for (auto& worker : pool) {
        worker.close_stdin();
        EXPECT_EQ(worker.wait_exit_code(5s), 0);
    }
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
