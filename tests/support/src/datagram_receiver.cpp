#include "poll_readable.hpp"

#include <nb/test/datagram_receiver.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <sys/un.h>
#include <unistd.h>

namespace nb::test {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

DatagramReceiver::DatagramReceiver(std::string address) : address_(std::move(address)) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    socklen_t length = 0;
    if (address_.empty() || address_.size() >= sizeof(un.sun_path)) {
        errno = EINVAL;
        fail("address " + address_);
    }
    std::memcpy(un.sun_path, address_.data(), address_.size());
    if (address_.front() == '@') {
        un.sun_path[0] = '\0'; // abstract: no trailing NUL counted
        length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    } else {
        length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() + 1);
    }
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd_.valid()) {
        fail("socket");
    }
    const int one = 1;
    if (setsockopt(fd_.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
        fail("SO_PASSCRED");
    }
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&un), length) < 0) {
        fail("bind " + address_);
    }
}

DatagramReceiver::~DatagramReceiver() {
    if (!address_.empty() && address_.front() == '/') {
        ::unlink(address_.c_str());
    }
}

std::optional<Datagram> DatagramReceiver::receive(std::chrono::milliseconds timeout) {
    const int n = detail::poll_readable(fd_.get(), timeout);
    if (n < 0) {
        fail("poll");
    }
    if (n == 0) {
        return std::nullopt;
    }
    Datagram datagram;
    datagram.data.resize(64 * 1024);
    alignas(cmsghdr)
        std::array<unsigned char, CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 253)>
            control{};
    iovec io{datagram.data.data(), datagram.data.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    const ssize_t length = ::recvmsg(fd_.get(), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (length < 0) {
        fail("recvmsg");
    }
    datagram.data.resize(static_cast<std::size_t>(length));
    datagram.truncated = (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
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
                datagram.fds.emplace_back(fd);
            }
        } else if (header->cmsg_type == SCM_CREDENTIALS) {
            ucred credentials{};
            std::memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
            datagram.credentials = credentials;
        }
    }
    return datagram;
}

std::vector<Datagram> DatagramReceiver::drain(std::chrono::milliseconds quiet) {
    std::vector<Datagram> all;
    while (auto datagram = receive(quiet)) {
        all.push_back(std::move(*datagram));
    }
    return all;
}

std::string unique_abstract_address() {
    static std::atomic<unsigned> counter{0};
    return "@nb-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

} // namespace nb::test
