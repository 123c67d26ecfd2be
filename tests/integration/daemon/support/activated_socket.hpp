#pragma once
// A socket bound at a path as systemd creates it for notify-brokerd.socket
// (PassCredentials=yes: the kernel attaches credentials to datagrams queued
// even before the broker runs), to pass to the broker in LISTEN_FDS.

#include <string>

#include <sys/socket.h>

namespace nb::test {

/// The bound socket's fd (the caller closes it), or -1.
int bound_socket(const std::string& path, int type = SOCK_DGRAM);

/// The socket unit's socket, held open (as systemd holds the socket unit's fd)
/// until close() or the end of the test.
class ActivatedSocket {
public:
    /// Throws std::system_error if the socket cannot be bound.
    explicit ActivatedSocket(std::string path, int type = SOCK_DGRAM);
    ActivatedSocket(const ActivatedSocket&) = delete;
    ActivatedSocket& operator=(const ActivatedSocket&) = delete;
    ~ActivatedSocket() { close(); }

    [[nodiscard]] int fd() const noexcept { return fd_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    void close() noexcept;

private:
    std::string path_;
    int fd_ = -1;
};

} // namespace nb::test
