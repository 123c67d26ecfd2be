#pragma once
// systemd-notify's assembly of the datagram (strv_env_merge in systemd 252):
// later entries replace earlier ones with the same key in place, so the
// position of the first occurrence wins and the value of the last one.

#include <span>
#include <string>
#include <vector>

namespace nb::cli {

/// Appends each of entries to merged. An entry replaces the first existing one
/// that starts with its key and '=' (or, without '=', with the whole entry:
/// systemd compares that many bytes, and so do we, to send the same bytes).
void env_merge(std::vector<std::string>& merged, std::span<const std::string> entries);

/// Entries joined with '\n' (no trailing newline), as systemd-notify sends them.
std::string join_lines(std::span<const std::string> entries);

} // namespace nb::cli
