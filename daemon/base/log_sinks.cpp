#include "base/log_sinks.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace nb::daemon {

JournalSink::JournalSink(const std::string& path) noexcept {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) {
        return;
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        return;
    }
    // Connecting a datagram socket only records the peer: it does not wait.
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return;
    }
    fd_ = std::move(fd);
}

bool JournalSink::send(const char* data, std::size_t length) const noexcept {
    return ::send(fd_.get(), data, length, MSG_DONTWAIT | MSG_NOSIGNAL) ==
           static_cast<ssize_t>(length);
}

bool JournalSink::stderr_is_journal_stream() noexcept {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return false;
    }
    char* end = nullptr;
    errno = 0;
    const unsigned long long device = std::strtoull(stream, &end, 10);
    if (errno != 0 || end == stream || *end != ':') {
        return false;
    }
    const char* inode_text = end + 1;
    const unsigned long long inode = std::strtoull(inode_text, &end, 10);
    if (errno != 0 || end == inode_text || *end != '\0') {
        return false;
    }
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    return st.st_dev == device && st.st_ino == inode;
}

StderrSink::StderrSink() noexcept {
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
        return; // nothing there, or a file: a write never waits for a reader
    }
    if (S_ISSOCK(st.st_mode)) {
        kind_ = Kind::socket;
        return;
    }
    // A pipe, a FIFO or a terminal: a file description of our own, non-blocking.
    UniqueFd own(::open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (own) {
        reopened_ = std::move(own);
        kind_ = Kind::reopened;
        return;
    }
    // No /proc: better a shared O_NONBLOCK than a loop that a full pipe stops.
    const int flags = ::fcntl(STDERR_FILENO, F_GETFL);
    if (flags >= 0) {
        ::fcntl(STDERR_FILENO, F_SETFL, flags | O_NONBLOCK);
    }
}

bool StderrSink::write(const char* data, std::size_t length) const noexcept {
    ssize_t written = -1;
    switch (kind_) {
    case Kind::socket:
        written = ::send(STDERR_FILENO, data, length, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (written < 0 && errno == ENOTSOCK) {
            written = ::write(STDERR_FILENO, data, length);
        }
        break;
    case Kind::reopened:
        written = ::write(reopened_.get(), data, length);
        break;
    case Kind::plain:
        written = ::write(STDERR_FILENO, data, length);
        break;
    }
    return written == static_cast<ssize_t>(length);
}

} // namespace nb::daemon
