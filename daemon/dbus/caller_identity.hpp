#pragma once
// Who a D-Bus caller is, from what the bus daemon vouches for: the reply of
// org.freedesktop.DBus.GetConnectionCredentials for its unique name (the
// kernel's SO_PEERCRED/SO_PEERGROUPS of the connection, taken when it
// connected), never from /proc of whatever process holds that pid now.
// dbus-daemon 1.14 (Debian 12) gives UnixUserID, UnixGroupIDs (sorted: the
// primary group cannot be told apart) and ProcessID; newer ones add ProcessFD.
// The pid is kept only when a pidfd pins a process that is verifiably the
// caller (the same effective uid the bus reports, still alive after every
// /proc read); the unit is read only from such a process.
// Thread-safety: pure functions, except verify_process() which reads /proc.

#include "base/unique_fd.hpp"

#include <sdbus-c++/Types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::dbus {

/// The gid of a caller whose primary group the bus does not say: matches no
/// `gid =` rule ((gid_t)-1 is no group on Linux).
inline constexpr gid_t unknown_gid = static_cast<gid_t>(-1);

struct BusCredentials {
    uid_t uid = 0;
    std::vector<gid_t> groups; ///< UnixGroupIDs: every group of the connection
    pid_t pid = 0;             ///< ProcessID; 0 when the bus gave none
    daemon::UniqueFd pidfd;    ///< ProcessFD when the bus gave one
};

/// Reads a GetConnectionCredentials reply. Empty when UnixUserID is missing or
/// a known key has the wrong type (then nothing about the caller is trusted).
[[nodiscard]] std::optional<BusCredentials>
credentials_from_reply(const std::map<std::string, sdbus::Variant>& reply);

/// What the broker takes as the caller.
struct CallerIdentity {
    pid_t pid = 0; ///< 0: not verified
    uid_t uid = 0;
    gid_t gid = unknown_gid;
    std::vector<gid_t> groups;
    std::string unit; ///< empty unless read from the verified process
};

/// The effective uid and gid on the "Uid:" and "Gid:" lines of a
/// /proc/PID/status text; empty when either line is missing or malformed.
[[nodiscard]] std::optional<std::pair<uid_t, gid_t>>
effective_ids_from_status(std::string_view text);

/// Pins credentials.pid (its ProcessFD, else pidfd_open), checks that the
/// process behind it runs with the effective uid the bus reports, and reads its
/// unit through `unit_of`; every /proc read counts only if the pidfd says the
/// process was still alive after it. The gid: the process's effective gid when
/// the bus lists it, else the only group the bus lists, else unknown_gid.
/// A process that cannot be verified leaves pid 0 and no unit.
[[nodiscard]] CallerIdentity verify_caller(BusCredentials credentials,
                                           const std::function<std::string(pid_t)>& unit_of);

} // namespace nb::dbus
