#pragma once
// NOTIFY_SOCKET address parsing under systemd's rules. Pure code: builds the
// sockaddr but opens nothing.

#include <nb/proto/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/socket.h>
#include <sys/un.h>

namespace nb::proto {

struct NotifyAddress {
    enum class Kind { unix_path, unix_abstract, vsock };
    /// vsock: leaves the socket type to the client (systemd tries DGRAM then
    /// falls back to SEQPACKET); the vsock-TYPE: forms fix it.
    enum class VsockType { unspecified, stream, dgram, seqpacket };

    Kind kind = Kind::unix_path;
    std::string path; ///< unix_path: the path; unix_abstract: the name without '@'
    std::uint32_t cid = 0;
    std::uint32_t port = 0;
    VsockType vsock_type = VsockType::unspecified;

    /// Errors: empty, relative path, a lone "/" or "@", a NUL byte, longer than
    /// 107 bytes (sockaddr_un with its trailing NUL), bad vsock CID/PORT (CID
    /// empty or VMADDR_CID_ANY, PORT VMADDR_PORT_ANY), any other form. CID may be
    /// a number or hypervisor|local|host. Messages quote the offending value.
    /// Note: systemd 252's own sd_notify() accepts only the unix forms (it
    /// returns -EINVAL for "vsock:2:5"); later systemd added the vsock forms,
    /// which we accept so a broker inside a VM can relay to its host.
    static Result<NotifyAddress> parse(std::string_view text);

    /// The AF_UNIX address and its length (abstract: leading NUL, no trailing
    /// NUL counted). Precondition: kind != vsock.
    [[nodiscard]] socklen_t to_sockaddr_un(sockaddr_un& out) const noexcept;

    /// The SOCK_* type a client should use (SOCK_DGRAM for unix and plain vsock).
    [[nodiscard]] int socket_type() const noexcept;

    /// Back to the NOTIFY_SOCKET text form (vsock CIDs as numbers), so that
    /// parse(to_string()) == *this.
    [[nodiscard]] std::string to_string() const;

    bool operator==(const NotifyAddress&) const = default;
};

} // namespace nb::proto
