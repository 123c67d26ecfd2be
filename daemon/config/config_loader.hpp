#pragma once
// The TOML config file of notify-brokerd -> DaemonSettings. The schema is
// documented, key by key, in units/notify-brokerd.toml.
// Thread-safety: free functions without shared state (user/group lookups use the
// reentrant getpwnam_r/getgrnam_r).

#include "config/daemon_settings.hpp"

#include <nb/proto/result.hpp>

#include <string>
#include <string_view>

namespace nb::config {

/// Reads and checks a config file. Keys it does not set keep DaemonSettings'
/// defaults; config_path is set to `path`.
/// Returns an Error "path:line:col: what is wrong" for a syntax error, a value of
/// the wrong type, an unknown key, or an invalid value (negative count,
/// min_ready > expect, bad glob, duplicate group, unknown user or group, bad mode,
/// bad time span, ...), and "path: cannot read: reason" when the file cannot be read.
[[nodiscard]] proto::Result<daemon::DaemonSettings> load_config_file(const std::string& path);

/// As load_config_file, from text; `name` stands for the file name in errors.
/// config_path stays unset.
[[nodiscard]] proto::Result<daemon::DaemonSettings>
load_config_string(std::string_view text, std::string_view name = "<config>");

} // namespace nb::config
