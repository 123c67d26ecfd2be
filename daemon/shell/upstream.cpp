#include "shell/upstream.hpp"

#include <cstdlib>

namespace nb::daemon {
namespace {

/// One log line for a multi-line payload: "READY=1\nSTATUS=x" -> "READY=1 | STATUS=x".
std::string one_line(std::string_view payload) {
    std::string text;
    text.reserve(payload.size() + 8);
    for (const char c : payload) {
        if (c == '\n') {
            text += " | ";
        } else {
            text += c;
        }
    }
    return text;
}

} // namespace

Upstream Upstream::from_environment() {
    const char* value = std::getenv("NOTIFY_SOCKET");
    std::string address = value == nullptr ? std::string() : std::string(value);
    ::unsetenv("NOTIFY_SOCKET");
    return Upstream(std::move(address));
}

Upstream::Upstream(std::string address) : address_(std::move(address)), notifier_(address_) {}

void Upstream::send(std::string_view payload) noexcept {
    try {
        if (address_.empty()) {
            log(LogLevel::info, "upstream (no NOTIFY_SOCKET): " + one_line(payload));
            ++sent_;
            return;
        }
        const auto result = notifier_.notify(payload);
        if (result.sent()) {
            ++sent_;
            if (log_enabled(LogLevel::debug)) {
                log(LogLevel::debug, "upstream: " + one_line(payload));
            }
            return;
        }
        ++failed_;
        failure_log_.log(LogLevel::warning,
                         "upstream send to " + address_ + " failed: " + result.message(),
                         RateLimitedLog::Clock::now());
    } catch (...) {
        ++failed_; // std::bad_alloc
    }
}

} // namespace nb::daemon
