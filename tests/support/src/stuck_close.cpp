#include <nb/test/stuck_close.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

namespace nb::test {
namespace {

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("stuck-close socket: ") + what + ": " +
                             std::strerror(errno));
}

} // namespace

StuckCloseSocket::StuckCloseSocket(std::chrono::seconds linger) {
    listener_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener_) {
        fail("socket");
    }
    // A small window: the peer's buffer fills at once and stays full.
    const int small = 4096;
    (void)::setsockopt(listener_.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0 ||
        ::listen(listener_.get(), 1) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        fail("listen");
    }
    socket_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket_ ||
        ::connect(socket_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        fail("connect");
    }
    peer_ = Fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!peer_) {
        fail("accept");
    }
    // Fill the send side until the kernel takes no more: data that cannot go.
    const std::vector<char> chunk(65536, 'x');
    for (;;) {
        const ssize_t n = ::send(socket_.get(), chunk.data(), chunk.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN) {
                break;
            }
            fail("send");
        }
    }
    const ::linger wait{1, static_cast<int>(linger.count())};
    if (::setsockopt(socket_.get(), SOL_SOCKET, SO_LINGER, &wait, sizeof(wait)) != 0) {
        fail("SO_LINGER");
    }
}

} // namespace nb::test
