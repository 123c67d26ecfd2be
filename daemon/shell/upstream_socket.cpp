#include "shell/upstream_socket.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>

namespace nb::daemon {
namespace {

// As libsystemd: a large send buffer lets a burst go out before the manager
// reads; the kernel caps it at wmem_max without CAP_NET_ADMIN. Best effort.
constexpr int wanted_send_buffer = 8 * 1024 * 1024;

} // namespace

int UpstreamSocket::connect(const proto::NotifyAddress& address) noexcept {
    close();
    if (address.kind == proto::NotifyAddress::Kind::vsock) {
        return EAFNOSUPPORT;
    }
    sockaddr_un un{};
    const socklen_t length = address.to_sockaddr_un(un);
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        return errno;
    }
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &wanted_send_buffer,
                       sizeof(wanted_send_buffer));
    // AF_UNIX datagram connect() never waits: it finds the receiver or fails.
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&un), length) < 0) {
        return errno;
    }
    fd_ = std::move(fd);
    return 0;
}

int UpstreamSocket::send(std::string_view datagram, int fd) const noexcept {
    iovec io{const_cast<char*>(datagram.data()), datagram.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    alignas(cmsghdr) std::array<unsigned char, CMSG_SPACE(sizeof(int))> control{};
    if (fd >= 0) {
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
    }
    for (;;) {
        if (::sendmsg(fd_.get(), &message, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
            return 0;
        }
        if (errno != EINTR) {
            return errno == EWOULDBLOCK ? EAGAIN : errno;
        }
    }
}

} // namespace nb::daemon
