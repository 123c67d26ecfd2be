#include "core/rate_limiter.hpp"

#include <algorithm>
#include <chrono>

namespace nb::core {
namespace {

double capacity(const RateLimit& limit) noexcept {
    return static_cast<double>(std::max(limit.burst, 1U));
}

} // namespace

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_senders)
    : limit_(limit)
    , max_senders_(std::max<std::size_t>(max_senders, 1)) {}

std::string RateLimiter::key_of(const Sender& sender) {
    if (sender.source == Source::dbus && !sender.bus_name.empty()) {
        return sender.bus_name;
    }
    return std::to_string(sender.pid);
}

bool RateLimiter::take(Bucket& bucket, TimePoint now) const noexcept {
    const std::chrono::duration<double> elapsed = now - bucket.updated;
    if (elapsed.count() > 0) {
        bucket.tokens =
            std::min(capacity(limit_), bucket.tokens + elapsed.count() * limit_.per_second);
        bucket.updated = now;
    }
    if (bucket.tokens < 1.0) {
        return false;
    }
    bucket.tokens -= 1.0;
    return true;
}

bool RateLimiter::allow(const std::string& key, TimePoint now) {
    if (auto found = buckets_.find(key); found != buckets_.end()) {
        return take(found->second, now);
    }
    if (buckets_.size() >= max_senders_) {
        forget_idle(now);
    }
    if (buckets_.size() >= max_senders_) {
        // Table full of active senders: newcomers share one bucket rather than
        // growing memory without bound.
        if (!overflow_used_) {
            overflow_ = Bucket{capacity(limit_), now};
            overflow_used_ = true;
        }
        return take(overflow_, now);
    }
    auto& bucket = buckets_[key];
    bucket = Bucket{capacity(limit_), now};
    return take(bucket, now);
}

bool RateLimiter::would_allow(const std::string& key, TimePoint now) const {
    Bucket probe;
    if (auto found = buckets_.find(key); found != buckets_.end()) {
        probe = found->second;
    } else if (buckets_.size() < max_senders_ || !overflow_used_ || last_sweep_ == TimePoint{} ||
               now - last_sweep_ >= std::chrono::seconds(1)) {
        return true; // a fresh bucket (allow() may sweep idle ones to make room) is full
    } else {
        probe = overflow_;
    }
    return take(probe, now);
}

void RateLimiter::forget(const std::string& key) noexcept {
    buckets_.erase(key);
}

void RateLimiter::reconfigure(RateLimit limit, std::size_t max_senders) noexcept {
    limit_ = limit;
    max_senders_ = std::max<std::size_t>(max_senders, 1);
    for (auto& [key, bucket] : buckets_) {
        bucket.tokens = std::min(bucket.tokens, capacity(limit_));
    }
}

void RateLimiter::forget_idle(TimePoint now) noexcept {
    // A bucket that has refilled completely is the same as a fresh one, so it can
    // be forgotten. Sweep at most once a second: the sweep is O(senders).
    if (now - last_sweep_ < std::chrono::seconds(1) && last_sweep_ != TimePoint{}) {
        return;
    }
    last_sweep_ = now;
    std::erase_if(buckets_, [&](auto& entry) {
        Bucket probe = entry.second;
        const std::chrono::duration<double> elapsed = now - probe.updated;
        return probe.tokens + elapsed.count() * limit_.per_second >= capacity(limit_);
    });
}

} // namespace nb::core
