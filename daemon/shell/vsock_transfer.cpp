#include "shell/vsock_transfer.hpp"

#include <array>
#include <cerrno>

#include <linux/vm_sockets.h>
#include <poll.h>
#include <sys/socket.h>

namespace nb::daemon {
namespace {

bool not_supported(int error) noexcept {
    return error == EOPNOTSUPP || error == EPROTONOSUPPORT || error == ESOCKTNOSUPPORT ||
           error == EAFNOSUPPORT || error == ENODEV;
}

int type_of(proto::NotifyAddress::VsockType type) noexcept {
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

/// As sd_notify(): the highest free port below 1024, if we may bind one.
void bind_privileged_port(int fd) noexcept {
    sockaddr_vm address{};
    address.svm_family = AF_VSOCK;
    address.svm_cid = VMADDR_CID_ANY;
    for (unsigned port = 1023; port > 0; --port) {
        address.svm_port = port;
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 ||
            errno != EADDRINUSE) {
            return; // bound, or not allowed (EACCES): the kernel picks a port at connect
        }
    }
}

/// True if fd polls for events now (a connect() in progress has finished).
bool ready(int fd, short events) noexcept {
    pollfd entry{fd, events, 0};
    return ::poll(&entry, 1, 0) > 0;
}

} // namespace

VsockTransfer::Status VsockTransfer::start(const proto::NotifyAddress& address,
                                           std::string text) noexcept {
    reset();
    text_ = std::move(text);
    sent_ = 0;
    error_ = 0;
    return open(address);
}

VsockTransfer::Status VsockTransfer::open(const proto::NotifyAddress& address) noexcept {
    const bool any_type = address.vsock_type == proto::NotifyAddress::VsockType::unspecified;
    std::array<int, 3> candidates{type_of(address.vsock_type), 0, 0};
    if (any_type) {
        candidates = resolved_type_ != 0
                         ? std::array<int, 3>{resolved_type_, 0, 0}
                         : std::array<int, 3>{SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM};
    }
    for (const int type : candidates) {
        if (type == 0) {
            break;
        }
        fd_.reset(::socket(AF_VSOCK, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (fd_) {
            type_ = type;
            break;
        }
        if (!any_type || !not_supported(errno)) {
            break;
        }
    }
    if (!fd_) {
        return fail(errno);
    }
    if (any_type) {
        resolved_type_ = type_;
    }
    bind_privileged_port(fd_.get());
    sockaddr_vm peer{};
    peer.svm_family = AF_VSOCK;
    peer.svm_cid = address.cid;
    peer.svm_port = address.port;
    // A datagram socket's connect() only sets where send() goes.
    if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)) != 0) {
        if (errno != EINPROGRESS) {
            return fail(errno);
        }
        phase_ = Phase::connecting;
        return Status::waiting;
    }
    phase_ = Phase::sending;
    return send_text();
}

VsockTransfer::Status VsockTransfer::step() noexcept {
    if (!fd_) {
        return fail(ENOTCONN);
    }
    switch (phase_) {
    case Phase::connecting: {
        if (!ready(fd_.get(), POLLOUT)) {
            return Status::waiting;
        }
        int error = 0;
        socklen_t length = sizeof(error);
        if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
            error = errno;
        }
        if (error != 0) {
            return fail(error);
        }
        phase_ = Phase::sending;
        return send_text();
    }
    case Phase::sending:
        return send_text();
    case Phase::draining:
        return drain();
    }
    return fail(EINVAL);
}

VsockTransfer::Status VsockTransfer::send_text() noexcept {
    while (sent_ < text_.size() || text_.empty()) {
        const ssize_t n = ::send(fd_.get(), text_.data() + sent_, text_.size() - sent_,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN || errno == EWOULDBLOCK ? Status::waiting : fail(errno);
        }
        sent_ += static_cast<std::size_t>(n);
        if (type_ != SOCK_STREAM && sent_ < text_.size()) {
            return fail(EIO); // a datagram or record goes whole or not at all
        }
        if (text_.empty()) {
            break;
        }
    }
    if (type_ == SOCK_DGRAM) {
        reset();
        return Status::done;
    }
    if (::shutdown(fd_.get(), SHUT_WR) != 0) {
        return fail(errno);
    }
    phase_ = Phase::draining;
    return drain();
}

VsockTransfer::Status VsockTransfer::drain() noexcept {
    for (;;) {
        char c = 0;
        const ssize_t n = ::recv(fd_.get(), &c, 1, MSG_DONTWAIT);
        if (n == 0) {
            reset(); // the peer's EOF: it has read the whole message
            return Status::done;
        }
        if (n > 0) {
            return fail(EPROTO); // the notify socket never answers
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? Status::waiting : fail(errno);
    }
}

VsockTransfer::Status VsockTransfer::fail(int error) noexcept {
    error_ = error;
    reset();
    return Status::failed;
}

void VsockTransfer::reset() noexcept {
    fd_.reset();
    phase_ = Phase::connecting;
}

} // namespace nb::daemon
