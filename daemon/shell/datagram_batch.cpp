#include "shell/datagram_batch.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/uio.h>

// Linux >= 6.5; Debian 12's headers predate it.
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

namespace nb::daemon {
namespace {

// Exactly the cap: a datagram that fills the buffer is >= 4096 bytes and is
// dropped; a longer one sets MSG_TRUNC. Either way we never parse a cut datagram.
constexpr std::size_t data_size = proto::max_datagram_size;
// Room for everything a sender can attach at once; anything more means MSG_CTRUNC.
constexpr std::size_t control_size = CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int)) +
                                     CMSG_SPACE(sizeof(timespec)) +
                                     CMSG_SPACE(sizeof(int) * DatagramBatch::max_fds);

} // namespace

struct DatagramBatch::Buffers {
    struct alignas(cmsghdr) Control {
        std::array<char, control_size> bytes;
    };
    std::array<std::array<char, data_size>, capacity> data;
    std::array<Control, capacity> control;
    std::array<iovec, capacity> iov;
    std::array<mmsghdr, capacity> headers;
};

DatagramBatch::DatagramBatch() : buffers_(std::make_unique<Buffers>()) {
    for (auto& slot : slots_) {
        slot.fds.reserve(max_fds); // no allocation on the hot path
    }
}

DatagramBatch::~DatagramBatch() = default;

int DatagramBatch::receive(int socket_fd) noexcept {
    for (std::size_t i = 0; i < received_; ++i) {
        auto& slot = slots_[i];
        slot.fds.clear();
        slot.pidfd.reset();
        slot.pidfd_error = 0;
        slot.queued_at.reset();
        slot.credentials.reset();
    }
    received_ = 0;

    auto& b = *buffers_;
    for (std::size_t i = 0; i < capacity; ++i) {
        b.iov[i] = iovec{b.data[i].data(), data_size};
        auto& header = b.headers[i].msg_hdr;
        header = msghdr{};
        header.msg_iov = &b.iov[i];
        header.msg_iovlen = 1;
        header.msg_control = b.control[i].bytes.data();
        header.msg_controllen = control_size;
        b.headers[i].msg_len = 0;
    }
    // MSG_CMSG_CLOEXEC: a received fd must never reach a spawned child.
    const int count =
        ::recvmmsg(socket_fd, b.headers.data(), capacity, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, nullptr);
    if (count < 0) {
        const int error = errno;
        return (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) ? 0 : -error;
    }
    received_ = static_cast<std::size_t>(count);
    for (std::size_t i = 0; i < received_; ++i) {
        const auto& header = b.headers[i].msg_hdr;
        auto& slot = slots_[i];
        const std::size_t length = b.headers[i].msg_len;
        slot.data = std::string_view(b.data[i].data(), std::min(length, data_size));
        slot.oversize = (header.msg_flags & MSG_TRUNC) != 0 || length >= data_size;
        slot.control_truncated = (header.msg_flags & MSG_CTRUNC) != 0;
        take_control_data(i);
    }
    return count;
}

void DatagramBatch::take_control_data(std::size_t index) noexcept {
    auto& header = buffers_->headers[index].msg_hdr;
    auto& slot = slots_[index];
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr;
         cmsg = CMSG_NXTHDR(&header, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET) {
            continue;
        }
        const std::size_t payload = cmsg->cmsg_len - CMSG_LEN(0);
        const auto* bytes = CMSG_DATA(cmsg);
        if (cmsg->cmsg_type == SCM_RIGHTS) {
            for (std::size_t offset = 0; offset + sizeof(int) <= payload; offset += sizeof(int)) {
                int fd = -1;
                std::memcpy(&fd, bytes + offset, sizeof(fd));
                if (slot.fds.size() < slot.fds.capacity()) {
                    slot.fds.emplace_back(fd);
                } else {
                    ::close(fd); // cannot happen (SCM_MAX_FD), but never leak
                }
            }
        } else if (cmsg->cmsg_type == SCM_CREDENTIALS && payload >= sizeof(ucred)) {
            ucred credentials{};
            std::memcpy(&credentials, bytes, sizeof(credentials));
            slot.credentials = credentials;
        } else if (cmsg->cmsg_type == SCM_PIDFD && payload >= sizeof(int)) {
            int fd = -1;
            std::memcpy(&fd, bytes, sizeof(fd));
            if (fd >= 0) {
                slot.pidfd.reset(fd);
            } else {
                slot.pidfd_error = -fd; // the kernel could not make one
            }
        } else if (cmsg->cmsg_type == SCM_TIMESTAMPNS && payload >= sizeof(timespec)) {
            timespec queued{};
            std::memcpy(&queued, bytes, sizeof(queued));
            slot.queued_at = queued;
        }
    }
}

} // namespace nb::daemon
