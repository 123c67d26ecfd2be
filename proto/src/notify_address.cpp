#include "decimal.hpp"

#include <nb/proto/notify_address.hpp>
#include <nb/proto/quote.hpp>

#include <array>
#include <cstddef>
#include <cstring>

#include <linux/vm_sockets.h>

namespace nb::proto {
namespace {

using VsockType = NotifyAddress::VsockType;

struct VsockPrefix {
    std::string_view prefix;
    VsockType type;
};

constexpr std::array vsock_prefixes{
    VsockPrefix{"vsock:", VsockType::unspecified},
    VsockPrefix{"vsock-stream:", VsockType::stream},
    VsockPrefix{"vsock-dgram:", VsockType::dgram},
    VsockPrefix{"vsock-seqpacket:", VsockType::seqpacket},
};

// sun_path holds the name plus the trailing NUL that systemd insists on for
// both forms (sockaddr_un_set_path), hence one byte less than its size.
constexpr std::size_t max_unix_text = sizeof(sockaddr_un::sun_path) - 1;

Error address_error(std::string_view text, const std::string& why) {
    return Error{"NOTIFY_SOCKET=" + quote(text, 128) + ": " + why};
}

Result<NotifyAddress> parse_unix(std::string_view text) {
    if (text.size() < 2) {
        return address_error(text, "a socket name is needed after the leading character");
    }
    if (text.size() > max_unix_text) {
        return address_error(text, "longer than " + std::to_string(max_unix_text) +
                                       " bytes, does not fit in sockaddr_un");
    }
    NotifyAddress address;
    if (text.front() == '@') {
        address.kind = NotifyAddress::Kind::unix_abstract;
        address.path = std::string(text.substr(1));
    } else {
        address.kind = NotifyAddress::Kind::unix_path;
        address.path = std::string(text);
    }
    return address;
}

std::optional<std::uint32_t> parse_cid(std::string_view text) noexcept {
    if (text == "hypervisor") {
        return VMADDR_CID_HYPERVISOR;
    }
    if (text == "local") {
        return VMADDR_CID_LOCAL;
    }
    if (text == "host") {
        return VMADDR_CID_HOST;
    }
    return detail::parse_decimal<std::uint32_t>(text);
}

Result<NotifyAddress> parse_vsock(std::string_view text, std::string_view rest, VsockType type) {
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
        return address_error(text, "expected vsock:CID:PORT");
    }
    const std::string_view cid_text = rest.substr(0, colon);
    const std::string_view port_text = rest.substr(colon + 1);
    // sd_notify() refuses VMADDR_CID_ANY (what an empty CID means): it needs a peer.
    if (cid_text.empty()) {
        return address_error(text, "vsock CID is empty; a notify socket needs a peer CID");
    }
    const auto cid = parse_cid(cid_text);
    if (!cid) {
        return address_error(text, "vsock CID " + quote(cid_text) +
                                       " is not a 32-bit number or hypervisor|local|host");
    }
    if (*cid == VMADDR_CID_ANY) {
        return address_error(text, "vsock CID is VMADDR_CID_ANY; a notify socket needs a peer CID");
    }
    const auto port = detail::parse_decimal<std::uint32_t>(port_text);
    if (!port || *port == VMADDR_PORT_ANY) {
        return address_error(text, "vsock PORT " + quote(port_text) +
                                       " is not a number from 0 to 4294967294");
    }
    NotifyAddress address;
    address.kind = NotifyAddress::Kind::vsock;
    address.cid = *cid;
    address.port = *port;
    address.vsock_type = type;
    return address;
}

} // namespace

Result<NotifyAddress> NotifyAddress::parse(std::string_view text) {
    if (text.empty()) {
        return address_error(text, "empty");
    }
    if (text.find('\0') != std::string_view::npos) {
        return address_error(text, "contains a NUL byte");
    }
    if (text.front() == '/' || text.front() == '@') {
        return parse_unix(text);
    }
    for (const auto& [prefix, type] : vsock_prefixes) {
        if (text.starts_with(prefix)) {
            return parse_vsock(text, text.substr(prefix.size()), type);
        }
    }
    return address_error(text, "must be an absolute path, @abstract-name or vsock:CID:PORT");
}

socklen_t NotifyAddress::to_sockaddr_un(sockaddr_un& out) const noexcept {
    std::memset(&out, 0, sizeof out);
    out.sun_family = AF_UNIX;
    const std::size_t base = offsetof(sockaddr_un, sun_path);
    if (kind == Kind::unix_abstract) {
        // Abstract names are length-delimited: the trailing NUL must not count,
        // or the name would differ from the one systemd binds.
        std::memcpy(out.sun_path + 1, path.data(), path.size());
        return static_cast<socklen_t>(base + 1 + path.size());
    }
    std::memcpy(out.sun_path, path.data(), path.size());
    return static_cast<socklen_t>(base + path.size() + 1);
}

int NotifyAddress::socket_type() const noexcept {
    if (kind == Kind::vsock) {
        switch (vsock_type) {
        case VsockType::stream:
            return SOCK_STREAM;
        case VsockType::seqpacket:
            return SOCK_SEQPACKET;
        case VsockType::dgram:
        case VsockType::unspecified:
            break;
        }
    }
    return SOCK_DGRAM;
}

std::string NotifyAddress::to_string() const {
    switch (kind) {
    case Kind::unix_path:
        return path;
    case Kind::unix_abstract:
        return "@" + path;
    case Kind::vsock:
        break;
    }
    std::string_view prefix = "vsock:";
    for (const auto& candidate : vsock_prefixes) {
        if (candidate.type == vsock_type) {
            prefix = candidate.prefix;
        }
    }
    return std::string(prefix) + std::to_string(cid) + ":" + std::to_string(port);
}

} // namespace nb::proto
