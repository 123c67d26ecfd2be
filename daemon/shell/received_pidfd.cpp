#include "shell/received_pidfd.hpp"

#include "base/pidfd.hpp"
#include "base/proc_file.hpp"
#include "shell/sender_pin.hpp"

#include <array>
#include <charconv>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

bool is_pidfd(int fd) {
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    std::array<char, 64> target{};
    const ssize_t n = ::readlink(link.c_str(), target.data(), target.size());
    // A file's link is its path ("/..."), a socket's "socket:[N]": only the
    // kernel names an anonymous inode, and only a pidfd is "[pidfd]".
    return n > 0 && std::string_view(target.data(), static_cast<std::size_t>(n)) ==
                        std::string_view("anon_inode:[pidfd]");
}

/// The "flags:" of an fdinfo text (octal); PIDFD_THREAD is stored there as O_EXCL.
bool has_thread_flag(std::string_view fdinfo) noexcept {
    const auto at = fdinfo.find("flags:");
    if (at == std::string_view::npos) {
        return false;
    }
    std::string_view rest = fdinfo.substr(at + 6);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    unsigned flags = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), flags, 8);
    return ec == std::errc{} && end != rest.data() && (flags & O_EXCL) != 0;
}

ReceivedPidfd refuse(std::string why) {
    return ReceivedPidfd{0, std::move(why)};
}

} // namespace

ReceivedPidfd pid_of_received_pidfd(int fd) {
    if (fd < 0 || !is_pidfd(fd)) {
        return refuse("its fd is not a pidfd");
    }
    const auto fdinfo = read_small_file("/proc/self/fdinfo/" + std::to_string(fd), 4096);
    if (!fdinfo) {
        return refuse("its pidfd's fdinfo cannot be read");
    }
    if (has_thread_flag(*fdinfo)) {
        return refuse("its pidfd names a thread (PIDFD_THREAD), not a process");
    }
    const auto pid = pid_from_fdinfo(*fdinfo);
    if (!pid) {
        return refuse("its pidfd's fdinfo names no pid");
    }
    if (*pid == 0) {
        return refuse("its pidfd names a process outside the broker's pid namespace");
    }
    if (*pid < 0 || pidfd_exited(fd)) {
        return refuse("its pidfd names a process that has exited");
    }
    return ReceivedPidfd{static_cast<pid_t>(*pid), {}};
}

} // namespace nb::daemon
