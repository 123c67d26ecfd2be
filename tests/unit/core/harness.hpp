#pragma once
// A broker driven like the shell drives it, with a fake clock: every datagram
// it sends upstream is kept, and advance() fires the timer exactly at each
// next_deadline(), so "nothing happened in between" is checked, not assumed.

#include "core/broker.hpp"

#include <nb/proto/message.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nb::core::testing {

using namespace std::chrono_literals;

/// An arbitrary, fixed start: tests never look at the real clock.
inline const TimePoint t0 = TimePoint{} + 1000s;

inline Sender socket_sender(pid_t pid, uid_t uid = 1000, gid_t gid = 1000, std::string unit = {}) {
    Sender sender;
    sender.source = Source::socket;
    sender.pid = pid;
    sender.uid = uid;
    sender.gid = gid;
    sender.unit = std::move(unit);
    return sender;
}

inline Sender bus_sender(std::string bus_name, uid_t uid = 1000) {
    Sender sender;
    sender.source = Source::dbus;
    sender.bus_name = std::move(bus_name);
    sender.uid = uid;
    sender.gid = uid;
    return sender;
}

/// An allow rule; every field left empty matches anyone.
inline AllowRule allow(std::optional<uid_t> uid, std::optional<gid_t> gid = {},
                       std::optional<std::string> unit = {},
                       std::vector<std::string> names = {"*"}) {
    AllowRule rule;
    rule.uid = uid;
    rule.gid = gid;
    rule.unit = std::move(unit);
    rule.names = std::move(names);
    return rule;
}

/// One group of `expected` workers, no rate-limit surprises, instant STATUS.
inline BrokerConfig pool_of(unsigned expected) {
    BrokerConfig config;
    config.groups.front().name = "web";
    config.groups.front().expected = expected;
    config.status_interval = 0ms;
    return config;
}

/// pool_of(expected) whose workers must ping (WATCHDOG=1) every 10 s.
inline BrokerConfig watched_pool(unsigned expected) {
    BrokerConfig config = pool_of(expected);
    config.groups[0].watchdog = 10s;
    return config;
}

class Harness {
public:
    TimePoint now = t0; // before `broker`, which is constructed at this time

    explicit Harness(BrokerConfig config, UpstreamContext upstream = {})
        : broker(std::move(config), upstream, now) {
        drain();
    }

    /// Sends one datagram as the worker with this pid; fails the test if the
    /// datagram does not parse.
    Verdict send(pid_t pid, std::string_view datagram) {
        return send_as(socket_sender(pid), datagram);
    }
    Verdict send_as(const Sender& sender, std::string_view datagram) {
        auto message = proto::Message::parse(datagram);
        EXPECT_TRUE(message.ok()) << "test datagram does not parse: " << datagram;
        if (!message.ok()) {
            return Verdict::accepted;
        }
        const Verdict verdict = broker.on_message(sender, message.value(), now);
        drain();
        return verdict;
    }
    /// "X_WORKER=web-N" + "\n" + rest, from pid 100+N.
    Verdict worker(unsigned n, std::string_view rest) {
        return send(static_cast<pid_t>(100 + n),
                    "X_WORKER=web-" + std::to_string(n) + "\n" + std::string(rest));
    }
    void exit(pid_t pid) {
        broker.on_process_exited(pid, now);
        drain();
    }

    /// Moves the clock, calling on_tick() at every deadline on the way.
    void advance(std::chrono::nanoseconds by) {
        const TimePoint target = now + by;
        for (int guard = 0; guard < 1'000'000; ++guard) {
            const auto deadline = broker.next_deadline();
            if (!deadline || *deadline > target) {
                break;
            }
            now = std::max(now, *deadline);
            broker.on_tick(now);
            ++ticks;
            drain();
        }
        now = target;
    }

    void drain() {
        for (auto& datagram : broker.take_outbox()) {
            sent.push_back(std::move(datagram));
        }
    }
    /// The datagrams sent since the last take().
    std::vector<std::string> take() {
        std::vector<std::string> fresh(sent.begin() + static_cast<long>(taken), sent.end());
        taken = sent.size();
        return fresh;
    }
    /// How many datagrams so far carried KEY (with VALUE, if given).
    std::size_t count(std::string_view key, std::optional<std::string_view> value = {}) const {
        std::size_t n = 0;
        for (const auto& datagram : sent) {
            const auto message = proto::Message::parse(datagram);
            if (message.ok() && message->get(key) && (!value || *message->get(key) == *value)) {
                ++n;
            }
        }
        return n;
    }
    /// The last STATUS sent upstream.
    std::string last_status() const {
        for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
            const auto message = proto::Message::parse(*it);
            if (message.ok() && message->status()) {
                return std::string(*message->status());
            }
        }
        return {};
    }

    Broker broker;
    std::vector<std::string> sent;
    std::size_t taken = 0;
    unsigned ticks = 0;
};

/// The key's value in a serialized datagram, if present.
inline std::optional<std::string> value_of(std::string_view datagram, std::string_view key) {
    const auto message = proto::Message::parse(datagram);
    if (!message.ok() || !message->get(key)) {
        return std::nullopt;
    }
    return std::string(*message->get(key));
}

} // namespace nb::core::testing
