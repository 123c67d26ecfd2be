#include "activated_socket.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <sys/un.h>
#include <unistd.h>

namespace nb::test {

int bound_socket(const std::string& path, int type) {
    const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int on = 1;
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        return -1;
    }
    return fd;
}

ActivatedSocket::ActivatedSocket(std::string path, int type)
    : path_(std::move(path))
    , fd_(bound_socket(path_, type)) {
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "binding " + path_);
    }
}

void ActivatedSocket::close() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

} // namespace nb::test
