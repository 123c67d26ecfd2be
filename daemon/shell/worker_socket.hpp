#pragma once
// The broker's own sd_notify socket, where workers send: an AF_UNIX datagram
// socket with SO_PASSCRED (every datagram carries kernel-checked credentials)
// and, where the kernel has it (>= 6.5), SO_PASSPIDFD (an SCM_PIDFD pins the
// sender against pid reuse). Either created at settings.path or taken over
// from socket activation.
// Thread-safety: none needed; created and destroyed on the loop thread.

#include "base/unique_fd.hpp"
#include "config/socket_settings.hpp"

#include <nb/proto/result.hpp>

#include <string>

namespace nb::daemon {

class WorkerSocket {
public:
    /// Creates the socket at settings.path ("@name": abstract, no file): makes the parent directory
    /// (0755), removes a stale socket (but never a file that is not a socket), binds, applies mode
    /// and group, sets the options. The path is unlinked again by the destructor. Errors name the
    /// path and the failing call.
    [[nodiscard]] static proto::Result<WorkerSocket> create(const SocketSettings& settings);

    /// Takes an activated socket (already bound by systemd) and sets the options
    /// on it. The path belongs to systemd and is left alone.
    [[nodiscard]] static proto::Result<WorkerSocket> adopt(UniqueFd socket,
                                                           const SocketSettings& settings);

    WorkerSocket(WorkerSocket&& other) noexcept;
    WorkerSocket& operator=(WorkerSocket&&) noexcept;
    WorkerSocket(const WorkerSocket&) = delete;
    WorkerSocket& operator=(const WorkerSocket&) = delete;
    ~WorkerSocket();

    /// A reload (issue 14.5): applies mode, group and receive buffer again to the
    /// socket as it is (its path stays). The mode and group of an activated
    /// socket are its .socket unit's (SocketMode=, SocketGroup=), left alone as
    /// at start. Errors name the path and the failing call.
    [[nodiscard]] proto::Status reconfigure(const SocketSettings& settings);

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    /// The NOTIFY_SOCKET value that reaches this socket ("/run/x" or "@name").
    [[nodiscard]] const std::string& address() const noexcept { return address_; }
    /// True when the kernel attaches SCM_PIDFD to each datagram.
    [[nodiscard]] bool passes_pidfd() const noexcept { return passes_pidfd_; }
    /// The receive buffer size the kernel reports (after SO_RCVBUF(FORCE)).
    [[nodiscard]] int receive_buffer() const noexcept { return receive_buffer_; }
    /// True for a socket taken over from socket activation: it outlives us, and
    /// a datagram queued after we exit makes systemd start us again.
    [[nodiscard]] bool activated() const noexcept { return activated_; }

private:
    WorkerSocket() = default;
    static proto::Result<WorkerSocket> create_abstract(const SocketSettings& settings);
    proto::Status configure(const SocketSettings& settings);
    /// chmod and chown of the socket file we created; nothing for others.
    [[nodiscard]] proto::Status apply_access(const SocketSettings& settings) const;
    void unlink_owned_path() noexcept;

    UniqueFd fd_;
    std::string address_;
    std::string owned_path_; ///< unlinked at destruction; empty for activated sockets
    bool passes_pidfd_ = false;
    int receive_buffer_ = 0;
    bool activated_ = false;
};

} // namespace nb::daemon
