#pragma once
// Which systemd unit a process runs in, from its /proc/PID/cgroup, by
// systemd's unit-name rules (unit_name_is_valid(), cg_unescape()).
// Thread-safety: pure functions, except read_unit_of() which reads /proc.

#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon {

/// True for a valid .service or .scope unit name: at most 255 bytes,
/// [A-Za-z0-9:_.\\-] plus at most one '@' (an instance "a@b.service", never a
/// bare template "a@.service"), a non-empty prefix.
[[nodiscard]] bool is_service_or_scope_name(std::string_view name) noexcept;

/// The system unit of a cgroup path, as systemd's cg_path_get_unit() reads it:
/// the first component that is not a slice (after undoing the "_" escape of
/// cgroup names), when it is a service or a scope; empty otherwise. Nothing
/// below that component counts: a delegated subtree ("db.service/x.service"),
/// a user manager's tree ("user@1000.service/app.slice/web.service") or a
/// container's ("machine-x.scope/.../web.service") is made by whoever owns the
/// unit, so a name in it proves nothing about system units.
[[nodiscard]] std::string unit_from_cgroup_path(std::string_view path);

/// The user unit below a user manager, as cg_path_get_user_unit() reads it:
/// for ".../user@UID.service/app.slice/x.service" that is "x.service"; empty
/// when the path is not inside a user manager or names no unit there. Such a
/// unit is the user's own naming, never a system unit.
[[nodiscard]] std::string user_unit_from_cgroup_path(std::string_view path);

/// The unit in the contents of a /proc/PID/cgroup file: from the unified
/// hierarchy's path ("0::/..."), or, when that names no unit (a legacy host),
/// from the "name=systemd" hierarchy's; empty when there is none.
[[nodiscard]] std::string unit_from_cgroup_file(std::string_view contents);

/// Reads /proc/PID/cgroup; empty when the process is gone or has no unit.
[[nodiscard]] std::string read_unit_of(pid_t pid);

} // namespace nb::daemon
