#pragma once
// The notify-broker command line: without a subcommand it is systemd-notify;
// a first argument that is neither an option nor VAR=VALUE names a subcommand.

#include <span>
#include <string_view>

namespace nb::cli {

/// argv[0] is the subcommand name (or the program name for send); returns the
/// process exit code.
using SubcommandMain = int (*)(int argc, char** argv);

struct Subcommand {
    std::string_view name;
    std::string_view summary; ///< one line for --help
    SubcommandMain main;
};

/// The dispatch table (subcommands.cpp): adding a subcommand is one line there.
std::span<const Subcommand> subcommands() noexcept;

/// Exit code for a command line that cannot be understood (as in getopt tools).
inline constexpr int exit_usage = 2;

int send_main(int argc, char** argv);   // systemd-notify compatible sending
int listen_main(int argc, char** argv); // receive and print notifications

} // namespace nb::cli
