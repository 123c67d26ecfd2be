#pragma once
// Why the shell dropped a datagram: its own checks (size, control data,
// parsing, credentials) and the core's verdicts.
// Thread-safety: pure functions.

#include "core/broker.hpp"

#include <cstddef>
#include <string_view>

namespace nb::daemon {

enum class DropReason {
    oversize,          ///< 4096 bytes or more (systemd drops these whole)
    truncated_control, ///< MSG_CTRUNC: credentials or fds did not fit
    malformed,         ///< empty, NUL, bad line, bad value, bad UTF-8 (proto parse error)
    bad_barrier,       ///< BARRIER=1 not alone or without exactly one fd
    no_credentials,    ///< no SCM_CREDENTIALS or a pid we cannot see: unattributable
    forbidden_key,
    unauthorised,
    name_denied,
    invalid_name,
    rate_limited,
    too_many_workers,
    stopping,
    name_held,
};
inline constexpr std::size_t drop_reason_count = 13;

[[nodiscard]] std::string_view to_string(DropReason reason) noexcept;

/// The drop reason for a core verdict. Precondition: verdict != accepted.
[[nodiscard]] DropReason drop_reason_for(core::Verdict verdict) noexcept;

} // namespace nb::daemon
