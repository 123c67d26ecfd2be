#pragma once
// The receiving end of sd_notify in tests: an AF_UNIX datagram socket with
// SO_PASSCRED, bound to a path or an abstract name, that hands back each
// datagram with its kernel credentials and its descriptors (owned, so a test
// decides when a barrier fd is closed). Thread-safety: none.

#include <nb/test/fd.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/socket.h>

namespace nb::test {

struct Datagram {
    std::string data;
    std::optional<ucred> credentials;
    std::vector<Fd> fds;
    bool truncated = false; ///< MSG_TRUNC or MSG_CTRUNC
};

class DatagramReceiver {
public:
    /// address: "/path" or "@name" (NOTIFY_SOCKET syntax). Throws
    /// std::system_error when the socket cannot be bound.
    explicit DatagramReceiver(std::string address);
    DatagramReceiver(const DatagramReceiver&) = delete;
    DatagramReceiver& operator=(const DatagramReceiver&) = delete;
    ~DatagramReceiver();

    /// The address to put in NOTIFY_SOCKET.
    [[nodiscard]] const std::string& address() const noexcept { return address_; }
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

    /// Waits up to timeout for one datagram. nullopt on timeout; throws
    /// std::system_error on a receive error.
    std::optional<Datagram> receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Receives datagrams until none arrives for quiet; returns them all.
    std::vector<Datagram> drain(std::chrono::milliseconds quiet);

private:
    std::string address_;
    Fd fd_;
};

/// An abstract socket name unique to this process and call ("@nb-test-<pid>-<n>").
std::string unique_abstract_address();

} // namespace nb::test
