#include "shell/worker_socket.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

// Linux >= 6.5; Debian 12's headers predate them.
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif

namespace nb::daemon {
namespace {

/// TEST ONLY: NB_TEST_NO_PASSPIDFD=1 in the environment makes the broker run
/// as on a kernel without SCM_PIDFD (< 6.5), so the integration tests prove the
/// sender_pin fallback on any kernel. Read once. Not a configuration setting:
/// it only removes a protection the kernel offers, and nothing documents it
/// for users (ARCHITECTURE.md mentions it for tests).
bool test_without_passpidfd() noexcept {
    static const bool off = [] {
        const char* value = std::getenv("NB_TEST_NO_PASSPIDFD");
        return value != nullptr && std::string_view(value) == "1";
    }();
    return off;
}

proto::Error system_error(const std::string& what, int error) {
    return proto::Error{what + ": " + std::strerror(error)};
}

/// The bound address of fd as a NOTIFY_SOCKET string.
std::string bound_address(int fd) {
    sockaddr_un address{};
    socklen_t length = sizeof(address);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        length <= offsetof(sockaddr_un, sun_path)) {
        return {};
    }
    const std::size_t path_length = length - offsetof(sockaddr_un, sun_path);
    if (address.sun_path[0] == '\0') {
        return "@" + std::string(address.sun_path + 1, path_length - 1);
    }
    return std::string(address.sun_path, strnlen(address.sun_path, path_length));
}

} // namespace

WorkerSocket::WorkerSocket(WorkerSocket&& other) noexcept
    : fd_(std::move(other.fd_))
    , address_(std::move(other.address_))
    , owned_path_(std::exchange(other.owned_path_, {}))
    , passes_pidfd_(other.passes_pidfd_)
    , receive_buffer_(other.receive_buffer_)
    , activated_(other.activated_) {}

WorkerSocket& WorkerSocket::operator=(WorkerSocket&& other) noexcept {
    if (this != &other) {
        unlink_owned_path();
        fd_ = std::move(other.fd_);
        address_ = std::move(other.address_);
        owned_path_ = std::exchange(other.owned_path_, {});
        passes_pidfd_ = other.passes_pidfd_;
        activated_ = other.activated_;
        receive_buffer_ = other.receive_buffer_;
    }
    return *this;
}

WorkerSocket::~WorkerSocket() {
    unlink_owned_path();
}

void WorkerSocket::unlink_owned_path() noexcept {
    if (!owned_path_.empty()) {
        ::unlink(owned_path_.c_str());
        owned_path_.clear();
    }
}

proto::Result<WorkerSocket> WorkerSocket::create(const SocketSettings& settings) {
    const std::string& path = settings.path;
    if (path.starts_with('@')) {
        return create_abstract(settings);
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.front() != '/') {
        return proto::Error{"socket path '" + path + "': not an absolute path or @name"};
    }
    if (path.size() >= sizeof(address.sun_path)) {
        return proto::Error{"socket path '" + path + "': too long for AF_UNIX"};
    }
    std::memcpy(address.sun_path, path.data(), path.size());

    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    std::filesystem::create_directories(parent, ec);
    if (ec) {
        return proto::Error{"socket directory '" + parent.string() + "': " + ec.message()};
    }
    struct stat existing {};
    if (::lstat(path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) {
            return proto::Error{"socket path '" + path + "' exists and is not a socket"};
        }
        // A socket left by an earlier run: bind() would fail with EADDRINUSE.
        if (::unlink(path.c_str()) != 0) {
            return system_error("unlink stale socket '" + path + "'", errno);
        }
    }

    WorkerSocket socket;
    socket.fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket.fd_) {
        return system_error("socket(AF_UNIX, SOCK_DGRAM)", errno);
    }
    if (::bind(socket.fd_.get(), reinterpret_cast<const sockaddr*>(&address),
               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1)) != 0) {
        return system_error("bind '" + path + "'", errno);
    }
    socket.owned_path_ = path;
    socket.address_ = path;
    if (auto status = socket.apply_access(settings); !status) {
        return status.error();
    }
    if (auto status = socket.configure(settings); !status) {
        return status.error();
    }
    return socket;
}

proto::Status WorkerSocket::apply_access(const SocketSettings& settings) const {
    if (owned_path_.empty()) {
        return proto::Ok{}; // abstract (no file) or activated (systemd's)
    }
    const std::string& path = owned_path_;
    if (::chmod(path.c_str(), settings.mode) != 0) {
        return system_error("chmod '" + path + "'", errno);
    }
    if (settings.group && ::chown(path.c_str(), static_cast<uid_t>(-1), *settings.group) != 0) {
        return system_error("chown '" + path + "' to gid " + std::to_string(*settings.group),
                            errno);
    }
    return proto::Ok{};
}

proto::Status WorkerSocket::reconfigure(const SocketSettings& settings) {
    if (auto status = apply_access(settings); !status) {
        return status.error();
    }
    return configure(settings);
}

proto::Result<WorkerSocket> WorkerSocket::create_abstract(const SocketSettings& settings) {
    // "@name": Linux abstract namespace, leading NUL and no trailing NUL counted,
    // as systemd reads NOTIFY_SOCKET. No file, so no mode, group or unlink.
    const std::string_view name = std::string_view(settings.path).substr(1);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (name.empty() || name.size() + 1 > sizeof(address.sun_path)) {
        return proto::Error{"socket '" + settings.path + "': bad abstract socket name"};
    }
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    WorkerSocket socket;
    socket.fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket.fd_) {
        return system_error("socket(AF_UNIX, SOCK_DGRAM)", errno);
    }
    if (::bind(socket.fd_.get(), reinterpret_cast<const sockaddr*>(&address),
               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())) != 0) {
        return system_error("bind '" + settings.path + "'", errno);
    }
    socket.address_ = settings.path;
    if (auto status = socket.configure(settings); !status) {
        return status.error();
    }
    return socket;
}

proto::Result<WorkerSocket> WorkerSocket::adopt(UniqueFd fd, const SocketSettings& settings) {
    WorkerSocket socket;
    socket.fd_ = std::move(fd);
    socket.activated_ = true;
    socket.address_ = bound_address(socket.fd_.get());
    if (auto status = socket.configure(settings); !status) {
        return status.error();
    }
    return socket;
}

proto::Status WorkerSocket::configure(const SocketSettings& settings) {
    const int fd = fd_.get();
    const int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
        return system_error("setsockopt(SO_PASSCRED)", errno);
    }
    // Older kernels say ENOPROTOOPT: we then pin senders with pidfd_open()
    // (shell/sender_pin.cpp). Tests turn it off to prove that path here too.
    if (test_without_passpidfd()) {
        const int off = 0;
        ::setsockopt(fd, SOL_SOCKET, SO_PASSPIDFD, &off, sizeof(off)); // an inherited socket
        passes_pidfd_ = false;
    } else {
        passes_pidfd_ = ::setsockopt(fd, SOL_SOCKET, SO_PASSPIDFD, &on, sizeof(on)) == 0;
    }
    // When each datagram was queued (CLOCK_REALTIME): a sender pinned without
    // SCM_PIDFD must have started before it (shell/sender_pin.hpp).
    ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));

    const int wanted = settings.receive_buffer;
    if (wanted > 0) {
        // FORCE needs CAP_NET_ADMIN and ignores rmem_max; without it the kernel caps.
        if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &wanted, sizeof(wanted)) != 0) {
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &wanted, sizeof(wanted));
        }
    }
    socklen_t length = sizeof(receive_buffer_);
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_, &length);
    return proto::Ok{};
}

} // namespace nb::daemon
