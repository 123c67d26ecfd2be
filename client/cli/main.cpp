// notify-broker: dispatches to a subcommand, or sends like systemd-notify.

#include "subcommand.hpp"

#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
    if (argc >= 2) {
        const std::string_view first = argv[1];
        // systemd-notify arguments are options or VAR=VALUE; anything else is
        // a subcommand name.
        if (!first.empty() && first.front() != '-' && first.find('=') == std::string_view::npos) {
            for (const auto& command : nb::cli::subcommands()) {
                if (command.name == first) {
                    return command.main(argc - 1, argv + 1);
                }
            }
            std::fprintf(stderr, "notify-broker: unknown command '%s' (see notify-broker --help)\n",
                         argv[1]);
            return nb::cli::exit_usage;
        }
    }
    return nb::cli::send_main(argc, argv);
}
