#pragma once
// Checks shared by the TOML loader and the command line, so that a value means
// the same and is refused with the same words wherever it is written. Each
// returns an Error whose message says what is wrong with the value ("'x' is not
// a number"); the caller prefixes where it was written (file:line:col or --option).

#include "config/daemon_settings.hpp"

#include <nb/proto/result.hpp>

#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::config {

/// Octal permission bits: "0660", "660", "0o660". At most 07777.
[[nodiscard]] proto::Result<mode_t> parse_mode(std::string_view text);
/// "0660": the form parse_mode reads back and chmod(1) users expect.
[[nodiscard]] std::string format_mode(mode_t mode);

/// err|error, warning|warn, notice, info, debug (the journald priority names), or 3..7.
[[nodiscard]] proto::Result<daemon::LogLevel> parse_log_level(std::string_view text);
[[nodiscard]] std::string_view to_string(daemon::LogLevel level) noexcept;

/// A decimal count 0..UINT_MAX ("4"). No sign, no spaces.
[[nodiscard]] proto::Result<unsigned> parse_count(std::string_view text);

/// A user name from the passwd database, or a numeric uid.
[[nodiscard]] proto::Result<uid_t> lookup_user(std::string_view name_or_id);
/// A group name from the group database, or a numeric gid.
[[nodiscard]] proto::Result<gid_t> lookup_group(std::string_view name_or_id);

/// The name of a uid / gid, for comments in --check-config output; nullopt if none.
[[nodiscard]] std::optional<std::string> user_name(uid_t uid);
[[nodiscard]] std::optional<std::string> group_name(gid_t gid);

/// An fnmatch(3) pattern: not empty, every '[' closed, no trailing '\'.
[[nodiscard]] proto::Status check_glob(std::string_view pattern);
/// "system", "session", "none" or a D-Bus address ("unix:path=/run/bus").
[[nodiscard]] proto::Status check_bus(std::string_view bus);
/// A D-Bus well-known name: two or more dot-separated elements of [A-Za-z0-9_-],
/// none starting with a digit, at most 255 bytes.
[[nodiscard]] proto::Status check_bus_name(std::string_view name);
/// Only the placeholders {ready} {expected} {state} {details}; no line breaks
/// (the text goes upstream as one STATUS= line).
[[nodiscard]] proto::Status check_status_format(std::string_view format);
/// An absolute path or "@abstract" name that fits in sockaddr_un.
[[nodiscard]] proto::Status check_socket_path(std::string_view path);
/// A group name as it shows in STATUS and D-Bus: [A-Za-z0-9_.@:-], 1..64 bytes.
[[nodiscard]] proto::Status check_group_name(std::string_view name);

} // namespace nb::config
