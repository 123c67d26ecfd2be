// Message::parse on arbitrary bytes, then the round trip the broker relies on:
// whatever parse() accepts, serialize() can write and parse() reads back equal.
#include <nb/proto/message.hpp>

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

void touch_accessors(const nb::proto::Message& m) {
    // Values were validated, so every accessor must agree with get().
    if (m.errno_value().has_value() != m.contains("ERRNO") ||
        m.exit_status().has_value() != m.contains("EXIT_STATUS") ||
        m.mainpid().has_value() != m.contains("MAINPID") ||
        m.monotonic_usec().has_value() != m.contains("MONOTONIC_USEC") ||
        m.watchdog_usec().has_value() != m.contains("WATCHDOG_USEC") ||
        m.extend_timeout_usec().has_value() != m.contains("EXTEND_TIMEOUT_USEC") ||
        m.watchdog().has_value() != m.contains("WATCHDOG") ||
        m.notify_access().has_value() != m.contains("NOTIFYACCESS")) {
        fail("typed accessor disagrees with get()", "");
    }
    if (m.mainpid() && *m.mainpid() <= 0) {
        fail("MAINPID accepted but not positive", *m.get("MAINPID"));
    }
    (void)m.ready();
    (void)m.reloading();
    (void)m.stopping();
    (void)m.barrier();
    (void)m.fdstore();
    (void)m.fdstore_remove();
    (void)m.fdpoll_disabled();
    (void)m.status();
    (void)m.bus_error();
    (void)m.fdname();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto parsed = nb::proto::Message::parse(input);
    if (!parsed) {
        if (parsed.error().message.empty()) {
            fail("error without a message", input);
        }
        return 0;
    }
    for (const auto& a : parsed->assignments()) {
        if (const auto status = nb::proto::check_assignment(a); !status) {
            fail("parse accepted what check_assignment refuses", status.error().message);
        }
    }
    touch_accessors(*parsed);

    const auto text = nb::proto::serialize(parsed->assignments());
    if (!text) {
        fail("serialize refused a parsed message", text.error().message);
    }
    // Dropping empty lines and duplicates can only shrink a datagram.
    if (text->size() > input.size()) {
        fail("serialized form grew", *text);
    }
    const auto again = nb::proto::Message::parse(*text);
    if (!again) {
        fail("serialized form does not parse", again.error().message);
    }
    if (!(*again == *parsed)) {
        fail("round trip changed the message", *text);
    }
    const auto rebuilt = nb::proto::Message::from_assignments(parsed->assignments());
    if (!rebuilt || !(*rebuilt == *parsed)) {
        fail("from_assignments disagrees with parse", *text);
    }
    return 0;
}
