#pragma once
// The socket a Notifier sends on: opened for one NOTIFY_SOCKET address and
// reused (internal to the client library). Thread-safety: none; the Notifier
// serialises access.

#include "unique_fd.hpp"

#include <nb/proto/notify_address.hpp>

#include <optional>
#include <span>
#include <string_view>

#include <sys/socket.h>

namespace nb::client::detail {

class NotifySocket {
public:
    /// Opens (and for connection-oriented vsock, connects) a socket for address.
    /// Returns 0 or an errno value.
    int open(const proto::NotifyAddress& address) noexcept;
    [[nodiscard]] bool is_open() const noexcept { return fd_.valid(); }
    void close() noexcept;

    /// Sends state with fds (SCM_RIGHTS) and, when credentials is set, those
    /// SCM_CREDENTIALS; if the kernel refuses them, sends again without (like
    /// libsystemd). Returns 0 or an errno value. A failing connected socket is
    /// closed so that the next send reconnects.
    int send(std::string_view state, std::span<const int> fds,
             const std::optional<ucred>& credentials) noexcept;

private:
    int send_once(std::string_view state, std::span<const int> fds,
                  const std::optional<ucred>& credentials) noexcept;

    UniqueFd fd_;
    sockaddr_storage address_{};
    socklen_t address_length_ = 0; ///< 0: the socket is connected
    bool stream_ = false;
};

} // namespace nb::client::detail
