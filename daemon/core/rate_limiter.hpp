#pragma once
// One token bucket per sender (pid for the socket, unique bus name for D-Bus), so
// a flooding sender empties its own bucket and nobody else's. It never asks for a
// timer: buckets refill lazily from the `now` of the next message.
// Thread-safety: none; the broker's thread only.

#include "core/broker.hpp"
#include "core/broker_config.hpp"

#include <cstddef>
#include <string>
#include <unordered_map>

namespace nb::core {

class RateLimiter {
public:
    /// `max_senders` bounds the table: when it is full and no bucket is idle
    /// enough to forget, new senders share one overflow bucket.
    RateLimiter(RateLimit limit, std::size_t max_senders);

    /// Takes a token from the sender's bucket; false when it is empty.
    [[nodiscard]] bool allow(const std::string& key, TimePoint now);
    /// Whether allow() would take a token now, without taking it.
    [[nodiscard]] bool would_allow(const std::string& key, TimePoint now) const;
    /// Drops the sender's bucket (its process exited; its pid may be reused).
    void forget(const std::string& key) noexcept;
    void reconfigure(RateLimit limit, std::size_t max_senders) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return buckets_.size(); }

    /// The bucket key of a sender: its unique bus name (":1.42") for D-Bus, else
    /// its pid in decimal (the two forms cannot collide).
    [[nodiscard]] static std::string key_of(const Sender& sender);

private:
    struct Bucket {
        double tokens = 0;
        TimePoint updated;
    };
    bool take(Bucket& bucket, TimePoint now) const noexcept;
    void forget_idle(TimePoint now) noexcept;

    RateLimit limit_;
    std::size_t max_senders_;
    std::unordered_map<std::string, Bucket> buckets_;
    Bucket overflow_;
    bool overflow_used_ = false;
    TimePoint last_sweep_;
};

} // namespace nb::core
