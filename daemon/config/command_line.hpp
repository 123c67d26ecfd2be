#pragma once
// notify-brokerd's command line -> DaemonSettings. Options override the config
// file (--config), whatever their order on the line.
// Thread-safety: free functions without shared state.

#include "config/daemon_settings.hpp"

#include <nb/proto/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nb::config {

struct CommandLine {
    daemon::DaemonSettings settings;
    /// Set for --help and --version: print it on stdout and exit 0 (settings unused).
    std::optional<std::string> exit_text;
};

/// Parses the arguments after the program name. Options take their value as
/// "--opt VALUE" or "--opt=VALUE"; everything after "--" is the command to spawn.
/// Returns an Error naming the option and why ("--expect: 'x' is not a number"),
/// or the config file's own error ("file:line:col: ...").
[[nodiscard]] proto::Result<CommandLine> parse_command_line(const std::vector<std::string>& args);

/// The same, from main()'s argc/argv (argv[0] is skipped).
[[nodiscard]] proto::Result<CommandLine> parse_command_line(int argc, const char* const* argv);

/// The --help text.
[[nodiscard]] std::string usage_text(std::string_view program);

} // namespace nb::config
