#pragma once
// The D-Bus errors a refused call gets, one per core::Verdict. Handlers throw
// only these (sdbus::Error): anything else thrown through sd-bus's C callbacks
// would terminate the broker.
// Thread-safety: pure functions.

#include "core/broker.hpp"

#include <sdbus-c++/Error.h>

#include <optional>
#include <string_view>

namespace nb::dbus {

inline constexpr const char* error_access_denied = "org.freedesktop.DBus.Error.AccessDenied";
inline constexpr const char* error_invalid_args = "org.freedesktop.DBus.Error.InvalidArgs";
inline constexpr const char* error_limits_exceeded = "org.freedesktop.DBus.Error.LimitsExceeded";
inline constexpr const char* error_failed = "org.freedesktop.DBus.Error.Failed";
inline constexpr const char* error_stopping = "org.notifybroker.Broker1.Error.Stopping";

/// Empty for Verdict::accepted; otherwise the error to reply with. `who` names
/// the caller in the message ("uid 1000, pid 42").
[[nodiscard]] std::optional<sdbus::Error> error_for(core::Verdict verdict, std::string_view who);

} // namespace nb::dbus
