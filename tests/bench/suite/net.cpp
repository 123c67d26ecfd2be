#include "net.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif

namespace nb::bench {
namespace {

sockaddr_un address_of(const std::string& path, socklen_t& length) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) {
        throw std::runtime_error("socket path too long: " + path);
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return address;
}

} // namespace

std::int64_t now_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void fail_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

UniqueFd bind_datagram(const std::string& path, const ReceiverOptions& options) {
    socklen_t length = 0;
    const sockaddr_un address = address_of(path, length);
    ::unlink(path.c_str());
    const int type = SOCK_DGRAM | SOCK_CLOEXEC | (options.nonblocking ? SOCK_NONBLOCK : 0);
    UniqueFd fd(::socket(AF_UNIX, type, 0));
    if (!fd) {
        fail_errno("socket");
    }
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        fail_errno("bind " + path);
    }
    const int on = 1;
    if (options.passcred && ::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
        fail_errno("SO_PASSCRED");
    }
    if (options.passpidfd) {
        ::setsockopt(fd.get(), SOL_SOCKET, SO_PASSPIDFD, &on, sizeof(on));
    }
    if (options.receive_buffer > 0 &&
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &options.receive_buffer,
                     sizeof(options.receive_buffer)) != 0) {
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                     sizeof(options.receive_buffer));
    }
    return fd;
}

UniqueFd connect_datagram(const std::string& path) {
    socklen_t length = 0;
    const sockaddr_un address = address_of(path, length);
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        fail_errno("socket");
    }
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        fail_errno("connect " + path);
    }
    return fd;
}

bool can_connect(const std::string& path) noexcept {
    try {
        return static_cast<bool>(connect_datagram(path));
    } catch (...) {
        return false;
    }
}

bool send_text(int fd, std::string_view text) noexcept {
    while (true) {
        const auto sent = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
            return true;
        }
        if (errno != EINTR) {
            return false;
        }
    }
}

bool send_barrier(int fd, std::chrono::milliseconds timeout) noexcept {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        return false;
    }
    UniqueFd read_end(ends[0]);
    UniqueFd write_end(ends[1]);
    static constexpr std::string_view text = "BARRIER=1";
    iovec iov{const_cast<char*>(text.data()), text.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    const int passed = write_end.get();
    std::memcpy(CMSG_DATA(cmsg), &passed, sizeof(passed));
    if (::sendmsg(fd, &message, MSG_NOSIGNAL) < 0) {
        return false;
    }
    write_end.reset();
    pollfd entry{read_end.get(), POLLIN, 0};
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        const int rc = ::poll(&entry, 1, static_cast<int>(std::max<long>(left.count(), 0)));
        if (rc > 0) {
            return true; // POLLHUP: every copy of the write end is closed
        }
        if (rc == 0 || errno != EINTR) {
            return false;
        }
    }
}

UpstreamReceiver::UpstreamReceiver(std::string path)
    : path_(std::move(path))
    , fd_(bind_datagram(path_, ReceiverOptions{true, false, 0, true})) {
    int stop[2];
    if (::pipe2(stop, O_CLOEXEC) != 0) {
        fail_errno("pipe for the upstream reader");
    }
    stop_read_ = UniqueFd(stop[0]);
    stop_write_ = UniqueFd(stop[1]);
    reader_ = std::thread([this] { read_until_stopped(); });
}

UpstreamReceiver::~UpstreamReceiver() {
    stop_write_.reset(); // POLLHUP on stop_read_ ends the reader
    reader_.join();
}

void UpstreamReceiver::read_until_stopped() noexcept {
    std::array<char, 8192> buffer{};
    std::array<pollfd, 2> entries{pollfd{fd_.get(), POLLIN, 0},
                                  pollfd{stop_read_.get(), POLLIN, 0}};
    while (true) {
        if (::poll(entries.data(), entries.size(), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            const std::lock_guard lock(mutex_);
            error_ = std::string("poll upstream: ") + std::strerror(errno);
            arrived_.notify_all();
            return;
        }
        if (entries[1].revents != 0) {
            return;
        }
        const auto got = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (got < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue;
            }
            const std::lock_guard lock(mutex_);
            error_ = std::string("recv upstream: ") + std::strerror(errno);
            arrived_.notify_all();
            return;
        }
        Received received{std::string(buffer.data(), static_cast<std::size_t>(got)), now_ns()};
        const std::lock_guard lock(mutex_);
        queue_.push_back(std::move(received));
        arrived_.notify_one();
    }
}

std::optional<Received> UpstreamReceiver::receive(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [this] { return !queue_.empty() || !error_.empty(); });
    if (queue_.empty()) {
        if (!error_.empty()) {
            throw std::runtime_error(error_);
        }
        return std::nullopt;
    }
    Received next = std::move(queue_.front());
    queue_.pop_front();
    return next;
}

std::optional<Received> UpstreamReceiver::wait_for_line(std::string_view prefix,
                                                        std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        auto got = receive(left);
        if (!got) {
            return std::nullopt;
        }
        if (has_line(got->text, prefix)) {
            return got;
        }
    }
}

void UpstreamReceiver::drain() noexcept {
    const std::lock_guard lock(mutex_);
    queue_.clear();
}

bool has_line(std::string_view text, std::string_view prefix) noexcept {
    while (true) {
        if (text.starts_with(prefix)) {
            return true;
        }
        const auto newline = text.find('\n');
        if (newline == std::string_view::npos) {
            return false;
        }
        text.remove_prefix(newline + 1);
    }
}

} // namespace nb::bench
