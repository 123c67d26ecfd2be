#include <nb/client/environment.hpp>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace nb::client {
namespace {

template <class T>
std::optional<T> parse_number(const char* text) noexcept {
    const std::string_view view(text);
    T value{};
    const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
    if (error != std::errc{} || end != view.data() + view.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::chrono::microseconds> read_watchdog(const char* usec_text,
                                                       const char* pid_text) noexcept {
    if (usec_text == nullptr) {
        return std::nullopt;
    }
    const auto usec = parse_number<std::uint64_t>(usec_text);
    // 0 and UINT64_MAX mean "no timestamp" to systemd; both disable the watchdog.
    if (!usec || *usec == 0 || *usec == UINT64_MAX ||
        *usec > static_cast<std::uint64_t>(std::chrono::microseconds::max().count())) {
        return std::nullopt;
    }
    if (pid_text != nullptr) {
        const auto pid = parse_number<pid_t>(pid_text);
        if (!pid || *pid <= 0 || *pid != getpid()) {
            return std::nullopt; // meant for another process (e.g. our parent)
        }
    }
    return std::chrono::microseconds(static_cast<std::int64_t>(*usec));
}

} // namespace

std::optional<std::chrono::microseconds> watchdog_enabled(bool unset_environment) {
    const char* usec_text = std::getenv("WATCHDOG_USEC");
    const char* pid_text = std::getenv("WATCHDOG_PID");
    auto result = read_watchdog(usec_text, pid_text);
    if (unset_environment) {
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
    }
    return result;
}

bool booted() {
    // faccessat(AT_SYMLINK_NOFOLLOW) is laccess(): the directory itself, not a symlink's target.
    return faccessat(AT_FDCWD, "/run/systemd/system/", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

} // namespace nb::client
