#include "base/rate_limited_log.hpp"

#include <string>

namespace nb::daemon {

void RateLimitedLog::log(LogLevel level, std::string_view text, Clock::time_point now,
                         std::string_view message_id, std::span<const LogField> fields) noexcept {
    if (!log_enabled(level)) {
        return;
    }
    if (in_window_ == 0 || now - window_start_ >= interval_) {
        if (suppressed_ > 0) {
            try {
                daemon::log(level, std::to_string(suppressed_) + " similar messages suppressed");
            } catch (...) {
                // std::bad_alloc: the count is lost, nothing else.
            }
            suppressed_ = 0;
        }
        window_start_ = now;
        in_window_ = 0;
    }
    if (in_window_ < burst_) {
        ++in_window_;
        daemon::log(level, text, message_id, fields);
        return;
    }
    ++suppressed_;
    ++suppressed_total_;
}

} // namespace nb::daemon
