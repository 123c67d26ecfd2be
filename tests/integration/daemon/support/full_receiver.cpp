#include "full_receiver.hpp"

#include <nb/test/fd.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>

namespace nb::test {

int fill_receiver_queue(const std::string& path) {
    Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(),
                std::min(path.size(), sizeof(address.sun_path) - 1));
    if (!fd ||
        ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        return -1;
    }
    for (int sent = 0; sent < 100'000; ++sent) {
        if (::send(fd.get(), queue_filler, std::strlen(queue_filler), MSG_DONTWAIT) < 0) {
            return errno == EAGAIN ? sent : -1;
        }
    }
    return -1;
}

} // namespace nb::test
