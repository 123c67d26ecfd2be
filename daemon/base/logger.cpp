#include "base/logger.hpp"

#include <array>
#include <atomic>
#include <string>

#include <sys/uio.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

std::atomic<LogLevel> threshold{LogLevel::info};

// Bounded so that a hostile STATUS= cannot make one log line huge.
constexpr std::size_t max_line = 2048;

} // namespace

void set_log_level(LogLevel level) noexcept {
    threshold.store(level);
}

LogLevel log_level() noexcept {
    return threshold.load();
}

bool log_enabled(LogLevel level) noexcept {
    return static_cast<int>(level) <= static_cast<int>(threshold.load());
}

void log(LogLevel level, std::string_view text) noexcept {
    if (!log_enabled(level)) {
        return;
    }
    std::array<char, max_line + 8> line{};
    std::size_t length = 0;
    line[length++] = '<';
    line[length++] = static_cast<char>('0' + static_cast<int>(level));
    line[length++] = '>';
    for (const char c : text.substr(0, max_line)) {
        const auto byte = static_cast<unsigned char>(c);
        line[length++] = (byte < 0x20 || byte == 0x7f) ? ' ' : c;
    }
    line[length++] = '\n';
    // One write per line keeps lines whole when several processes share stderr.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), length);
}

} // namespace nb::daemon
