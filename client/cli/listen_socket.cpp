#include "listen_socket.hpp"

#include <nb/proto/message.hpp>
#include <nb/proto/notify_address.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::cli {

ReceivedDatagram::~ReceivedDatagram() {
    for (const int fd : fds) {
        ::close(fd);
    }
}

bool ReceivedDatagram::ready() const {
    if (notification.oversized || notification.control_truncated) {
        return false;
    }
    const auto parsed = proto::Message::parse(notification.data);
    return parsed && parsed->ready();
}

ListenSocket::~ListenSocket() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
    if (!created_path_.empty()) {
        ::unlink(created_path_.c_str());
    }
}

std::optional<std::string> ListenSocket::bind(const std::string& address) {
    const auto parsed = proto::NotifyAddress::parse(address);
    if (!parsed) {
        return parsed.error().message;
    }
    if (parsed->kind == proto::NotifyAddress::Kind::vsock) {
        return "listen supports AF_UNIX addresses only: " + address;
    }
    sockaddr_un un{};
    const socklen_t length = parsed->to_sockaddr_un(un);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) {
        return std::string("socket: ") + std::strerror(errno);
    }
    const int one = 1;
    if (setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
        return std::string("SO_PASSCRED: ") + std::strerror(errno);
    }
    if (parsed->kind == proto::NotifyAddress::Kind::unix_path) {
        // Like systemd with its notify socket: a socket left by a previous run
        // is ours to replace; any other file is not.
        struct stat info {};
        if (::lstat(parsed->path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) {
            ::unlink(parsed->path.c_str());
        }
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&un), length) < 0) {
        return "bind " + address + ": " + std::strerror(errno);
    }
    if (parsed->kind == proto::NotifyAddress::Kind::unix_path) {
        created_path_ = parsed->path;
    }
    return std::nullopt;
}

std::unique_ptr<ReceivedDatagram> ListenSocket::receive() {
    auto datagram = std::make_unique<ReceivedDatagram>();
    datagram->buffer.resize(proto::max_datagram_size);
    alignas(cmsghdr)
        std::array<unsigned char, CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 253)>
            control{};
    iovec io{datagram->buffer.data(), datagram->buffer.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd_, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            std::fprintf(stderr, "notify-broker listen: recvmsg: %s\n", std::strerror(errno));
        }
        return nullptr;
    }
    auto& notification = datagram->notification;
    clock_gettime(CLOCK_REALTIME, &notification.realtime);
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET) {
            continue;
        }
        if (header->cmsg_type == SCM_RIGHTS) {
            const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
                datagram->fds.push_back(fd);
            }
        } else if (header->cmsg_type == SCM_CREDENTIALS &&
                   header->cmsg_len == CMSG_LEN(sizeof(ucred))) {
            ucred credentials{};
            std::memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
            notification.sender = credentials;
        }
    }
    // MSG_TRUNC makes n the real length, so an oversized datagram is recognised.
    const auto length = static_cast<std::size_t>(n);
    notification.oversized = length >= proto::max_datagram_size;
    notification.control_truncated = (message.msg_flags & MSG_CTRUNC) != 0;
    notification.fd_count = datagram->fds.size();
    datagram->buffer.resize(std::min(length, proto::max_datagram_size));
    notification.data = datagram->buffer;
    return datagram;
}

} // namespace nb::cli
