// NotifyAddress::parse on arbitrary bytes; whatever it accepts must print back
// to a text that parses to the same address and fit in its sockaddr.
#include <nb/proto/notify_address.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using nb::proto::NotifyAddress;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto address = NotifyAddress::parse(input);
    if (!address) {
        if (address.error().message.empty()) {
            fail("error without a message", input);
        }
        return 0;
    }
    const std::string text = address->to_string();
    const auto again = NotifyAddress::parse(text);
    if (!again) {
        fail("to_string() form does not parse", again.error().message);
    }
    if (!(*again == *address)) {
        fail("round trip changed the address", text);
    }
    if (address->kind != NotifyAddress::Kind::vsock) {
        if (text != input) {
            fail("unix address not printed verbatim", text);
        }
        sockaddr_un sa{};
        const socklen_t length = address->to_sockaddr_un(sa);
        if (length > sizeof sa || sa.sun_family != AF_UNIX) {
            fail("sockaddr_un overflow", text);
        }
    }
    (void)address->socket_type();
    return 0;
}
