#include "shell/sender_pin.hpp"

#include "base/pidfd.hpp"
#include "base/proc_file.hpp"
#include "shell/process_start_time.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <string>

#include <unistd.h>

namespace nb::daemon {
namespace {

constexpr std::uint64_t nanoseconds_per_second = 1'000'000'000;

std::uint64_t to_nanoseconds(const timespec& t) noexcept {
    if (t.tv_sec < 0) {
        return 0;
    }
    return static_cast<std::uint64_t>(t.tv_sec) * nanoseconds_per_second +
           static_cast<std::uint64_t>(t.tv_nsec);
}

/// The value after "key" on its line (e.g. "Uid:" → "0\t0\t0\t0").
std::optional<std::string_view> field(std::string_view text, std::string_view key) noexcept {
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        const std::string_view line = text.substr(at, end - at);
        if (line.starts_with(key)) {
            return line.substr(key.size());
        }
        at = end + 1;
    }
    return std::nullopt;
}

/// Whether id is one of the first three numbers of a Uid:/Gid: value.
bool among_first_three(std::string_view numbers, unsigned long id) noexcept {
    for (int n = 0; n < 3; ++n) {
        const auto start = numbers.find_first_not_of(" \t");
        if (start == std::string_view::npos) {
            return false;
        }
        numbers.remove_prefix(start);
        unsigned long value = 0;
        const auto [ptr, ec] =
            std::from_chars(numbers.data(), numbers.data() + numbers.size(), value);
        if (ec != std::errc{}) {
            return false;
        }
        if (value == id) {
            return true;
        }
        numbers.remove_prefix(static_cast<std::size_t>(ptr - numbers.data()));
    }
    return false;
}

/// True when pidfd still holds pid: its process is alive, or a zombie whose pid
/// is not free yet. Either way /proc/PID was this process's until now.
bool still_holds(int pidfd, pid_t pid) noexcept {
    if (!pidfd_exited(pidfd)) {
        return true;
    }
    try {
        const auto fdinfo = read_small_file("/proc/self/fdinfo/" + std::to_string(pidfd), 4096);
        const auto held = fdinfo ? pid_from_fdinfo(*fdinfo) : std::nullopt;
        return held && *held == pid;
    } catch (...) {
        return false;
    }
}

} // namespace

bool status_has_ids(std::string_view status, uid_t uid, gid_t gid) noexcept {
    const auto uids = field(status, "Uid:");
    const auto gids = field(status, "Gid:");
    return uids && gids && among_first_three(*uids, uid) && among_first_three(*gids, gid);
}

std::optional<long> pid_from_fdinfo(std::string_view fdinfo) noexcept {
    auto value = field(fdinfo, "Pid:");
    if (!value) {
        return std::nullopt;
    }
    const auto start = value->find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return std::nullopt;
    }
    value->remove_prefix(start);
    long pid = 0;
    const auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), pid);
    if (ec != std::errc{} || ptr == value->data()) {
        return std::nullopt;
    }
    return pid;
}

std::uint64_t queued_boottime(const std::optional<timespec>& sent_realtime,
                              const timespec& realtime_now, const timespec& boottime_now) noexcept {
    const std::uint64_t boot = to_nanoseconds(boottime_now);
    if (!sent_realtime) {
        return boot;
    }
    const std::uint64_t real = to_nanoseconds(realtime_now);
    const std::uint64_t sent = to_nanoseconds(*sent_realtime);
    // A timestamp "in the future" (the real-time clock stepped back): now.
    const std::uint64_t age = sent < real ? real - sent : 0;
    return age < boot ? boot - age : 0;
}

SenderPin pin_sender(const ucred& credentials, std::uint64_t queued_at) noexcept {
    SenderPin pin;
    const pid_t pid = credentials.pid;
    pin.pidfd = open_pidfd(pid);
    if (!pin.pidfd) {
        pin.outcome = errno == ESRCH ? SenderPin::Outcome::gone : SenderPin::Outcome::no_room;
        return pin;
    }
    try {
        // Read after pinning: /proc/PID is now the pinned process's, or nobody's.
        const auto status = read_proc_file(pid, "status");
        const auto started = read_start_time(pid);
        static const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
        const std::uint64_t tick =
            nanoseconds_per_second /
            static_cast<std::uint64_t>(ticks_per_second > 0 ? ticks_per_second : 100);
        // The kernel truncates the start to whole ticks: the true start is at
        // or after started * tick, so the sender's always passes.
        const bool same = status && started &&
                          status_has_ids(*status, credentials.uid, credentials.gid) &&
                          *started <= queued_at / tick && still_holds(pin.pidfd.get(), pid);
        if (same) {
            pin.outcome = SenderPin::Outcome::pinned;
            return pin;
        }
        const int error = errno;
        if (status || started) {
            pin.outcome = SenderPin::Outcome::stranger;
        } else {
            // Unread for lack of fds says nothing about the process.
            pin.outcome = error == EMFILE || error == ENFILE ? SenderPin::Outcome::no_room
                                                             : SenderPin::Outcome::gone;
        }
    } catch (...) {
        pin.outcome = SenderPin::Outcome::no_room; // out of memory
    }
    pin.pidfd.reset();
    return pin;
}

} // namespace nb::daemon
