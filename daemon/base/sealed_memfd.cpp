#include "base/sealed_memfd.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

constexpr int required_seals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW;

proto::Error errno_error(const std::string& what) {
    return proto::Error{what + ": " + std::strerror(errno)};
}

} // namespace

proto::Result<UniqueFd> make_sealed_memfd(const char* name, std::string_view bytes) {
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd) {
        return errno_error("memfd_create");
    }
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return errno_error("write to memfd");
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fcntl(fd.get(), F_ADD_SEALS, required_seals | F_SEAL_SEAL) != 0) {
        return errno_error("F_ADD_SEALS");
    }
    return fd;
}

proto::Result<std::string> read_sealed_memfd(int fd, std::size_t max_bytes) {
    const int seals = ::fcntl(fd, F_GET_SEALS);
    if (seals < 0) {
        return proto::Error{"not a memfd (F_GET_SEALS: " + std::string(std::strerror(errno)) + ")"};
    }
    if ((seals & required_seals) != required_seals) {
        return proto::Error{"memfd not sealed against writes and resizing"};
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return errno_error("fstat");
    }
    if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > max_bytes) {
        return proto::Error{"memfd of " + std::to_string(st.st_size) + " bytes (at most " +
                            std::to_string(max_bytes) + ")"};
    }
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n =
            ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return errno_error("read memfd");
        }
        done += static_cast<std::size_t>(n);
    }
    return bytes;
}

} // namespace nb::daemon
