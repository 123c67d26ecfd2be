#pragma once
// The receiving socket of `notify-broker listen`: AF_UNIX datagrams with
// SO_PASSCRED, received the way systemd's manager receives them.
// Thread-safety: none (one listener thread).

#include "notification_format.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nb::cli {

/// One datagram; owns the descriptors that came with it and closes them.
class ReceivedDatagram {
public:
    ReceivedDatagram() = default;
    ReceivedDatagram(const ReceivedDatagram&) = delete;
    ReceivedDatagram& operator=(const ReceivedDatagram&) = delete;
    ~ReceivedDatagram();

    ReceivedNotification notification; ///< data points into buffer
    std::string buffer;
    std::vector<int> fds;

    /// A valid datagram with READY=1.
    [[nodiscard]] bool ready() const;
};

class ListenSocket {
public:
    ListenSocket() = default;
    ListenSocket(const ListenSocket&) = delete;
    ListenSocket& operator=(const ListenSocket&) = delete;
    ~ListenSocket(); ///< closes, and removes the path it created

    /// address: a path (a stale socket there is replaced) or @NAME. Returns
    /// an error message, or nullopt on success.
    std::optional<std::string> bind(const std::string& address);
    [[nodiscard]] int fd() const noexcept { return fd_; }

    /// Receives one datagram without blocking; null if none was waiting
    /// (real errors are printed to stderr and also give null).
    std::unique_ptr<ReceivedDatagram> receive();

private:
    int fd_ = -1;
    std::string created_path_;
};

} // namespace nb::cli
