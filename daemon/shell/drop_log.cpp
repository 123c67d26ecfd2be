#include "shell/drop_log.hpp"

#include "shell/log_event.hpp"

#include <utility>

namespace nb::daemon {
namespace {

// Per reason: 5 lines, then silence for the rest of 10 s.
constexpr unsigned log_burst = 5;
constexpr std::chrono::milliseconds log_interval{10'000};

template <std::size_t... I>
std::array<RateLimitedLog, sizeof...(I)> make_logs(std::index_sequence<I...>) {
    return {((void)I, RateLimitedLog{log_burst, log_interval})...};
}

} // namespace

DropLog::DropLog() : logs_(make_logs(std::make_index_sequence<drop_reason_count>{})) {}

void DropLog::drop(DropReason reason, std::string_view detail, pid_t pid, uid_t uid,
                   RateLimitedLog::Clock::time_point now) noexcept {
    const auto index = static_cast<std::size_t>(reason);
    ++counts_[index];
    const bool newly_limited = reason == DropReason::rate_limited && pid != last_rate_limited_;
    if (newly_limited) {
        ++rate_limited_senders_;
    }
    last_rate_limited_ = reason == DropReason::rate_limited ? pid : 0;
    if (!log_enabled(LogLevel::warning)) {
        return;
    }
    try {
        std::string text = "dropped datagram";
        if (pid > 0) {
            text += " from pid " + std::to_string(pid) + " uid " + std::to_string(uid);
        }
        text += ": ";
        text += to_string(reason);
        if (!detail.empty()) {
            text += ": ";
            text += detail;
        }
        EventFieldText storage;
        std::array<LogField, 7> fields{};
        EventFields about;
        about.pid = pid;
        if (pid > 0) {
            about.uid = uid;
        }
        about.reason = to_string(reason);
        const std::size_t n = event_fields(about, storage, fields);
        const LogEvent event =
            newly_limited ? LogEvent::sender_rate_limited : LogEvent::datagram_dropped;
        logs_[index].log(LogLevel::warning, text, now, message_id(event),
                         std::span<const LogField>(fields.data(), n));
    } catch (...) {
        // std::bad_alloc while composing a log line: the drop is still counted.
    }
}

std::uint64_t DropLog::count(DropReason reason) const noexcept {
    return counts_[static_cast<std::size_t>(reason)];
}

std::uint64_t DropLog::total() const noexcept {
    std::uint64_t sum = 0;
    for (const auto c : counts_) {
        sum += c;
    }
    return sum;
}

std::string DropLog::summary() const {
    std::string text;
    for (std::size_t i = 0; i < drop_reason_count; ++i) {
        if (counts_[i] == 0) {
            continue;
        }
        if (!text.empty()) {
            text += ' ';
        }
        text += to_string(static_cast<DropReason>(i));
        text += '=';
        text += std::to_string(counts_[i]);
    }
    return text.empty() ? "none" : text;
}

} // namespace nb::daemon
