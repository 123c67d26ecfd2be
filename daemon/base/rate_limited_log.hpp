#pragma once
// A log for messages that an outsider can trigger once per datagram (drops,
// refused senders): at most `burst` lines per `interval`, then silence, then a
// line saying how many were suppressed. A flood costs counters, not log volume.
// Thread-safety: the loop thread only.

#include "base/logger.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

namespace nb::daemon {

class RateLimitedLog {
public:
    using Clock = std::chrono::steady_clock;

    RateLimitedLog(unsigned burst, std::chrono::milliseconds interval) noexcept
        : burst_(burst)
        , interval_(interval) {}

    /// Logs text unless this interval's burst is used up. Never throws.
    void log(LogLevel level, std::string_view text, Clock::time_point now) noexcept {
        log(level, text, now, {}, {});
    }
    /// The same with a MESSAGE_ID and journal fields (base/logger.hpp).
    void log(LogLevel level, std::string_view text, Clock::time_point now,
             std::string_view message_id, std::span<const LogField> fields) noexcept;

    [[nodiscard]] std::uint64_t suppressed_total() const noexcept { return suppressed_total_; }

private:
    unsigned burst_;
    std::chrono::milliseconds interval_;
    Clock::time_point window_start_{};
    unsigned in_window_ = 0;
    std::uint64_t suppressed_ = 0;
    std::uint64_t suppressed_total_ = 0;
};

} // namespace nb::daemon
