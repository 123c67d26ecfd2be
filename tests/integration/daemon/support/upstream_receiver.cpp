#include "upstream_receiver.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::test {

UpstreamReceiver::UpstreamReceiver(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (fd_ < 0 || path_.size() >= sizeof(address.sun_path)) {
        throw std::runtime_error("cannot create the upstream socket");
    }
    std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        throw std::runtime_error("cannot bind " + path_ + ": " + std::strerror(errno));
    }
    // Room for a long flood's worth of upstream messages while the test is busy.
    const int buffer = 4 * 1024 * 1024;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof(buffer));
}

UpstreamReceiver::~UpstreamReceiver() {
    ::close(fd_);
    ::unlink(path_.c_str());
}

std::optional<std::string> UpstreamReceiver::next(std::chrono::milliseconds timeout) {
    auto datagram = receive(timeout);
    if (!datagram) {
        return std::nullopt;
    }
    for (const int fd : datagram->fds) {
        ::close(fd);
    }
    return std::move(datagram->text);
}

std::optional<ReceivedDatagram> UpstreamReceiver::receive(std::chrono::milliseconds timeout) {
    pollfd entry{fd_, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const int rc = ::poll(&entry, 1, static_cast<int>(std::max<long>(0, left.count())));
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc <= 0) {
            return std::nullopt;
        }
        std::array<char, 8192> buffer{};
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 253)> control{};
        iovec iov{buffer.data(), buffer.size()};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        const auto n = ::recvmsg(fd_, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
            continue;
        }
        ReceivedDatagram datagram{std::string(buffer.data(), static_cast<std::size_t>(n)), {}};
        for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
             header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
                const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (std::size_t i = 0; i < count; ++i) {
                    int fd = -1;
                    std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
                    datagram.fds.push_back(fd);
                }
            }
        }
        history_.push_back(datagram.text);
        return datagram;
    }
}

std::optional<std::string>
UpstreamReceiver::wait_for(const std::function<bool(const std::string&)>& match,
                           std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() < 0) {
            return std::nullopt;
        }
        auto datagram = next(left);
        if (!datagram) {
            return std::nullopt;
        }
        if (match(*datagram)) {
            return datagram;
        }
    }
}

std::optional<std::string> UpstreamReceiver::wait_for_line(const std::string& line,
                                                           std::chrono::milliseconds timeout) {
    return wait_for([&line](const std::string& d) { return has_line(d, line); }, timeout);
}

std::size_t UpstreamReceiver::count_line(const std::string& line) const {
    std::size_t count = 0;
    for (const auto& datagram : history_) {
        count += has_line(datagram, line) ? 1 : 0;
    }
    return count;
}

std::size_t UpstreamReceiver::count_prefix(const std::string& prefix) const {
    std::size_t count = 0;
    for (const auto& datagram : history_) {
        for (const auto& line : lines_of(datagram)) {
            if (line.rfind(prefix, 0) == 0) {
                ++count;
                break;
            }
        }
    }
    return count;
}

std::vector<std::string> lines_of(const std::string& datagram) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= datagram.size()) {
        const auto newline = datagram.find('\n', start);
        const auto end = newline == std::string::npos ? datagram.size() : newline;
        if (end > start) {
            lines.push_back(datagram.substr(start, end - start));
        }
        if (newline == std::string::npos) {
            break;
        }
        start = newline + 1;
    }
    return lines;
}

bool has_line(const std::string& datagram, const std::string& line) {
    for (const auto& l : lines_of(datagram)) {
        if (l == line) {
            return true;
        }
    }
    return false;
}

std::optional<std::string> status_of(const std::string& datagram) {
    for (const auto& line : lines_of(datagram)) {
        if (line.starts_with("STATUS=")) {
            return line.substr(7);
        }
    }
    return std::nullopt;
}

bool status_starts_with(const std::string& datagram, const std::string& prefix) {
    const auto status = status_of(datagram);
    return status && status->starts_with(prefix);
}

std::string printable(const std::string& datagram) {
    std::string text;
    for (const char c : datagram) {
        text += c == '\n' ? std::string(" | ") : std::string(1, c);
    }
    return text;
}

} // namespace nb::test
