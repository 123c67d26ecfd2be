#include "notify_socket.hpp"

#include <nb/client/notifier.hpp>

#include <array>
#include <cerrno>
#include <cstring>

#include <linux/vm_sockets.h>
#include <sys/un.h>

namespace nb::client::detail {
namespace {

// libsystemd raises the send buffer so a burst of notifications does not block
// or fail with EAGAIN before the manager catches up.
constexpr int wanted_send_buffer = 8 * 1024 * 1024;

void increase_send_buffer(int fd) noexcept {
    int current = 0;
    socklen_t length = sizeof(current);
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &current, &length) == 0 &&
        current >= wanted_send_buffer) {
        return;
    }
    // Best effort, as in libsystemd: the default buffer works, only slower.
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &wanted_send_buffer, sizeof(wanted_send_buffer));
}

int socket_type_of(proto::NotifyAddress::VsockType type) noexcept {
    switch (type) {
    case proto::NotifyAddress::VsockType::stream:
        return SOCK_STREAM;
    case proto::NotifyAddress::VsockType::seqpacket:
        return SOCK_SEQPACKET;
    case proto::NotifyAddress::VsockType::dgram:
    case proto::NotifyAddress::VsockType::unspecified:
        break;
    }
    return SOCK_DGRAM;
}

bool is_not_supported(int error) noexcept {
    return error == EOPNOTSUPP || error == ENOTSUP || error == EPROTONOSUPPORT ||
           error == ESOCKTNOSUPPORT || error == EAFNOSUPPORT || error == ENODEV;
}

// A vsock host may only trust ports below 1024 (like rsh), so take the highest
// free one; without privileges any port will do.
int bind_privileged_vsock_port(int fd) noexcept {
    sockaddr_vm address{};
    address.svm_family = AF_VSOCK;
    address.svm_cid = VMADDR_CID_ANY;
    for (unsigned port = 1023; port > 0; --port) {
        address.svm_port = port;
        if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
            return 0;
        }
        if (errno != EADDRINUSE) {
            return errno == EPERM || errno == EACCES ? 0 : errno;
        }
    }
    return 0;
}

} // namespace

int NotifySocket::open(const proto::NotifyAddress& address) noexcept {
    close();
    if (address.kind != proto::NotifyAddress::Kind::vsock) {
        sockaddr_un un{};
        address_length_ = address.to_sockaddr_un(un);
        std::memcpy(&address_, &un, sizeof(un));
        fd_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd_) {
            return errno;
        }
        increase_send_buffer(fd_.get());
        return 0;
    }

    if (address.cid == VMADDR_CID_ANY) {
        return EINVAL; // systemd insists on a specific CID
    }
    sockaddr_vm vm{};
    vm.svm_family = AF_VSOCK;
    vm.svm_cid = address.cid;
    vm.svm_port = address.port;
    int type = socket_type_of(address.vsock_type);
    fd_.reset(socket(AF_VSOCK, type | SOCK_CLOEXEC, 0));
    if (!fd_ && address.vsock_type == proto::NotifyAddress::VsockType::unspecified &&
        is_not_supported(errno)) {
        // QEMU lacks AF_VSOCK datagrams; systemd falls back to SOCK_SEQPACKET.
        type = SOCK_SEQPACKET;
        fd_.reset(socket(AF_VSOCK, type | SOCK_CLOEXEC, 0));
    }
    if (!fd_) {
        return errno;
    }
    if (const int error = bind_privileged_vsock_port(fd_.get()); error != 0) {
        close();
        return error;
    }
    if (type == SOCK_DGRAM) {
        std::memcpy(&address_, &vm, sizeof(vm));
        address_length_ = sizeof(vm);
    } else {
        if (connect(fd_.get(), reinterpret_cast<const sockaddr*>(&vm), sizeof(vm)) < 0) {
            const int error = errno;
            close();
            return error;
        }
        address_length_ = 0;
        stream_ = type == SOCK_STREAM;
    }
    increase_send_buffer(fd_.get());
    return 0;
}

void NotifySocket::close() noexcept {
    fd_.reset();
    address_length_ = 0;
    stream_ = false;
}

int NotifySocket::send(std::string_view state, std::span<const int> fds,
                       const std::optional<ucred>& credentials) noexcept {
    int error = send_once(state, fds, credentials);
    if (error != 0 && credentials) {
        // libsystemd 252 retries with our own credentials on any failure: the
        // kernel refuses a foreign pid without CAP_SYS_ADMIN (EPERM) or a pid
        // that does not exist (ESRCH).
        error = send_once(state, fds, std::nullopt);
    }
    if (error != 0 && address_length_ == 0) {
        close(); // a broken connection stays broken; reconnect next time
    }
    return error;
}

int NotifySocket::send_once(std::string_view state, std::span<const int> fds,
                            const std::optional<ucred>& credentials) noexcept {
    if (fds.size() > max_fds_per_message) {
        return EINVAL;
    }
    alignas(cmsghdr) std::array<unsigned char, CMSG_SPACE(sizeof(int) * max_fds_per_message) +
                                                   CMSG_SPACE(sizeof(ucred))>
        control{};
    iovec io{const_cast<char*>(state.data()), state.size()};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    if (address_length_ != 0) {
        message.msg_name = &address_;
        message.msg_namelen = address_length_;
    }
    const std::size_t control_length = (fds.empty() ? 0 : CMSG_SPACE(sizeof(int) * fds.size())) +
                                       (credentials ? CMSG_SPACE(sizeof(ucred)) : 0);
    if (control_length != 0) {
        message.msg_control = control.data();
        message.msg_controllen = control_length;
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        if (!fds.empty()) {
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
            std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
            header = CMSG_NXTHDR(&message, header);
        }
        if (credentials) {
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_CREDENTIALS;
            header->cmsg_len = CMSG_LEN(sizeof(ucred));
            std::memcpy(CMSG_DATA(header), &*credentials, sizeof(ucred));
        }
    }

    for (;;) {
        const ssize_t n = sendmsg(fd_.get(), &message, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        if (!stream_ || static_cast<std::size_t>(n) >= io.iov_len) {
            return 0;
        }
        // A stream may take part of the text; the rest follows without the
        // ancillary data, which went with the first bytes.
        io.iov_base = static_cast<char*>(io.iov_base) + n;
        io.iov_len -= static_cast<std::size_t>(n);
        message.msg_control = nullptr;
        message.msg_controllen = 0;
    }
}

} // namespace nb::client::detail
