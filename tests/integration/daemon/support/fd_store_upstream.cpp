#include "fd_store_upstream.hpp"

#include "upstream_receiver.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::test {
namespace {

std::optional<std::string> value_of(const std::string& datagram, const std::string& key) {
    for (const auto& line : lines_of(datagram)) {
        if (line.starts_with(key + "=")) {
            return line.substr(key.size() + 1);
        }
    }
    return std::nullopt;
}

} // namespace

FdStoreUpstream::FdStoreUpstream(std::string path, std::size_t capacity)
    : path_(std::move(path))
    , capacity_(capacity) {
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
}

FdStoreUpstream::~FdStoreUpstream() {
    for (const Entry& entry : store_) {
        ::close(entry.fd);
    }
    ::close(fd_);
    ::unlink(path_.c_str());
}

std::optional<std::string> FdStoreUpstream::next(std::chrono::milliseconds timeout) {
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
        std::vector<int> fds;
        for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
             header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
                const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (std::size_t i = 0; i < count; ++i) {
                    int fd = -1;
                    std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
                    fds.push_back(fd);
                }
            }
        }
        std::string datagram(buffer.data(), static_cast<std::size_t>(n));
        history_.push_back(datagram);
        apply(datagram, std::move(fds));
        return datagram;
    }
}

void FdStoreUpstream::apply(const std::string& datagram, std::vector<int> fds) {
    const auto name = value_of(datagram, "FDNAME").value_or("stored");
    // systemd 252 handles a datagram with both keys as "add, then remove"
    // (checked in the e2e sandbox): the new fds are lost. Mimic it.
    const bool store = has_line(datagram, "FDSTORE=1");
    for (const int fd : fds) {
        if (store && store_.size() < capacity_) {
            store_.push_front(Entry{name, fd});
        } else {
            ::close(fd);
        }
    }
    if (has_line(datagram, "FDSTOREREMOVE=1")) {
        std::erase_if(store_, [&](const Entry& entry) {
            if (entry.name == name) {
                ::close(entry.fd);
                return true;
            }
            return false;
        });
    }
}

std::optional<std::string>
FdStoreUpstream::wait_for(const std::function<bool(const std::string&)>& match,
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

std::size_t FdStoreUpstream::count_named(const std::string& prefix) const {
    return static_cast<std::size_t>(std::count_if(
        store_.begin(), store_.end(), [&](const Entry& e) { return e.name.starts_with(prefix); }));
}

std::vector<std::pair<std::string, int>> FdStoreUpstream::listen_fds(int socket_fd) const {
    std::vector<std::pair<std::string, int>> fds{{"notify", socket_fd}};
    for (const Entry& entry : store_) {
        fds.emplace_back(entry.name, entry.fd);
    }
    return fds;
}

} // namespace nb::test
