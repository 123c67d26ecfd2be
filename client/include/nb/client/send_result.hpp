#pragma once
// The outcome of one sd_notify send. "Not sent because NOTIFY_SOCKET is unset"
// is its own status: a service run outside systemd is not an error.
// Thread-safety: a value type.

#include <string>
#include <utility>

namespace nb::client {

struct SendResult {
    enum class Status {
        sent,   ///< the datagram was handed to the kernel
        unset,  ///< NOTIFY_SOCKET is not set: nothing was sent
        failed, ///< see error (an errno value) and detail
    };

    Status status = Status::failed;
    int error = 0;      ///< errno when failed, 0 otherwise
    std::string detail; ///< what failed, e.g. "NOTIFY_SOCKET: relative path 'x'"; may be empty

    [[nodiscard]] static SendResult make_sent() noexcept { return {Status::sent, 0, {}}; }
    [[nodiscard]] static SendResult make_unset() noexcept { return {Status::unset, 0, {}}; }
    /// Never throws beyond std::bad_alloc (copying detail).
    [[nodiscard]] static SendResult make_failed(int error_number, std::string what = {}) {
        return {Status::failed, error_number, std::move(what)};
    }

    [[nodiscard]] bool sent() const noexcept { return status == Status::sent; }
    explicit operator bool() const noexcept { return sent(); }

    /// Human text: "sent", "NOTIFY_SOCKET is not set, nothing sent", or
    /// "<detail>: <strerror(error)>". Throws only std::bad_alloc.
    [[nodiscard]] std::string message() const;
};

} // namespace nb::client
