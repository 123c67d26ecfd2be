#include "shell/socket_activation.hpp"

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

constexpr int listen_fds_start = 3; // SD_LISTEN_FDS_START

template <class T>
bool parse_number(std::string_view text, T& out) {
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end && !text.empty();
}

bool is_unix_datagram_socket(int fd) {
    int domain = 0;
    int type = 0;
    socklen_t length = sizeof(domain);
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0) {
        return false;
    }
    length = sizeof(type);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) {
        return false;
    }
    return domain == AF_UNIX && type == SOCK_DGRAM;
}

std::vector<std::string> split_names(const char* names) {
    std::vector<std::string> out;
    if (names == nullptr) {
        return out;
    }
    std::string_view rest(names);
    while (true) {
        const auto colon = rest.find(':');
        out.emplace_back(rest.substr(0, colon));
        if (colon == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(colon + 1);
    }
    return out;
}

void unset_listen_environment() {
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
}

} // namespace

proto::Result<ActivatedFds> take_activated_fds() {
    const char* fds_text = std::getenv("LISTEN_FDS");
    const char* pid_text = std::getenv("LISTEN_PID");
    if (fds_text == nullptr) {
        unset_listen_environment();
        return ActivatedFds{};
    }
    pid_t listen_pid = 0;
    if (pid_text != nullptr && !parse_number(pid_text, listen_pid)) {
        unset_listen_environment();
        return proto::Error{std::string("LISTEN_PID: not a pid: '") + pid_text + "'"};
    }
    if (pid_text != nullptr && listen_pid != ::getpid()) {
        // Meant for another process (we inherited it): not ours to take or close.
        unset_listen_environment();
        return ActivatedFds{};
    }
    int count = 0;
    if (!parse_number(std::string_view(fds_text), count) || count < 0 || count > 4096) {
        unset_listen_environment();
        return proto::Error{std::string("LISTEN_FDS: not a count: '") + fds_text + "'"};
    }
    const auto names = split_names(std::getenv("LISTEN_FDNAMES"));
    unset_listen_environment();

    std::vector<UniqueFd> passed;
    passed.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const int fd = listen_fds_start + i;
        // Ours now: close-on-exec so spawned workers never inherit them.
        if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            return proto::Error{"LISTEN_FDS: fd " + std::to_string(fd) + " is not open"};
        }
        passed.emplace_back(fd);
    }

    // Prefer the fd named "notify"; else the first AF_UNIX datagram socket.
    int chosen = -1;
    for (int i = 0; i < count && chosen < 0; ++i) {
        const auto index = static_cast<std::size_t>(i);
        if (index < names.size() && names[index] == "notify" &&
            is_unix_datagram_socket(passed[index].get())) {
            chosen = i;
        }
    }
    for (int i = 0; i < count && chosen < 0; ++i) {
        if (is_unix_datagram_socket(passed[static_cast<std::size_t>(i)].get())) {
            chosen = i;
        }
    }
    ActivatedFds activated;
    for (int i = 0; i < count; ++i) {
        const auto index = static_cast<std::size_t>(i);
        if (i == chosen) {
            continue;
        }
        activated.others.push_back(
            NamedFd{index < names.size() ? names[index] : std::string("unknown"),
                    std::move(passed[index])});
    }
    if (chosen < 0) {
        // Only the fd store's own entries ("nb-..."), with a socket of our own, are
        // fine; anything else means the .socket unit passed the wrong kind.
        for (const NamedFd& other : activated.others) {
            if (!other.name.starts_with("nb-")) {
                return proto::Error{"LISTEN_FDS: none of the " + std::to_string(count) +
                                    " passed fds is an AF_UNIX datagram socket"};
            }
        }
    }
    if (chosen >= 0) {
        UniqueFd socket = std::move(passed[static_cast<std::size_t>(chosen)]);
        const int flags = ::fcntl(socket.get(), F_GETFL);
        if (flags < 0 || ::fcntl(socket.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
            return proto::Error{"LISTEN_FDS: cannot make the socket non-blocking"};
        }
        activated.socket = std::move(socket);
    }
    return activated;
}

proto::Result<std::optional<UniqueFd>> take_activated_socket() {
    auto activated = take_activated_fds();
    if (!activated) {
        return activated.error();
    }
    if (!activated->socket && !activated->others.empty()) {
        return proto::Error{"LISTEN_FDS: none of the " + std::to_string(activated->others.size()) +
                            " passed fds is an AF_UNIX datagram socket"};
    }
    return std::move(activated->socket);
}

} // namespace nb::daemon
