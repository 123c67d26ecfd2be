#pragma once
// Keys only the service manager's main process may send (DESIGN.md §3): a worker
// sending one is either confused or trying to act as the broker, so its whole
// message is dropped.

#include <nb/proto/message.hpp>

#include <optional>
#include <string_view>

namespace nb::core {

/// True for MAINPID, MAINPIDFD*, NOTIFYACCESS, FDSTORE*, FDNAME, FDPOLL,
/// WATCHDOG_USEC, EXIT_STATUS and BARRIER.
[[nodiscard]] bool is_forbidden_key(std::string_view key) noexcept;

/// The first forbidden key of `message`, for the shell's log line. A lone
/// "BARRIER=1" is not reported: that is the protocol's own synchronisation, which
/// the shell answers by closing the fd.
[[nodiscard]] std::optional<std::string_view>
find_forbidden_key(const proto::Message& message) noexcept;

/// True when `message` is only "BARRIER=1".
[[nodiscard]] bool is_lone_barrier(const proto::Message& message) noexcept;

} // namespace nb::core
