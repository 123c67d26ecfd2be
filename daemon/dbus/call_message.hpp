#pragma once
// What a D-Bus call means in the sd_notify protocol: the datagram text is built
// with proto::serialize from validated parts and parsed back with
// proto::Message::parse, so a D-Bus caller meets exactly the rules a socket
// worker does (and a value can never become a new line or key upstream).
// Pure code. Thread-safety: none needed (no state).

#include <nb/proto/message.hpp>
#include <nb/proto/result.hpp>

#include <string_view>
#include <vector>

namespace nb::dbus {

/// The message for a call by worker `name` ("" = identify the caller by its unit
/// or pid) carrying `assignments`. Errors (messages say which key and why): a key
/// that is not an environment name, a value with a newline (line injection) or
/// NUL, X_WORKER given both as `name` and as an assignment with another value,
/// no assignment at all, a value parse() refuses (STATUS not UTF-8, READY=2...),
/// a result of 4096 bytes or more.
[[nodiscard]] proto::Result<proto::Message>
message_for_call(std::string_view name, std::vector<proto::Assignment> assignments);

} // namespace nb::dbus
