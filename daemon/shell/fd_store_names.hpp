#pragma once
// Names of the broker's entries in systemd's fd store (FDNAME=, LISTEN_FDNAMES).
//
// systemd 252 never replaces an entry of the same name (they pile up), and a
// datagram with both FDSTOREREMOVE=1 and FDSTORE=1 loses the new fd (both
// checked in the e2e sandbox). So the state alternates between two slots: a
// save first removes the older slot, then stores into it, and the newer one
// stays intact in between; the restore takes the highest sequence it finds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon::fd_store {

inline constexpr std::string_view state_prefix = "nb-state.";
inline constexpr std::string_view pidfd_prefix = "nb-pidfd-";

/// "nb-state.0" or "nb-state.1", by the sequence's parity.
[[nodiscard]] inline std::string state_name(std::uint64_t sequence) {
    return std::string(state_prefix) + (sequence % 2 == 0 ? "0" : "1");
}
[[nodiscard]] inline std::string pidfd_name(pid_t pid) {
    return std::string(pidfd_prefix) + std::to_string(pid);
}
[[nodiscard]] inline bool is_state_name(std::string_view name) noexcept {
    return name == "nb-state.0" || name == "nb-state.1";
}
/// The pid of an "nb-pidfd-PID" name.
[[nodiscard]] std::optional<pid_t> pid_of_name(std::string_view name) noexcept;

} // namespace nb::daemon::fd_store
