#include "subcommand.hpp"
#ifdef NB_HAVE_DBUS_INSPECT
#include "inspect_commands.hpp"
#endif

#include <array>

namespace nb::cli {

std::span<const Subcommand> subcommands() noexcept {
    static constexpr std::array table{
        Subcommand{"listen", "Receive notifications on a socket and print them", listen_main},
#ifdef NB_HAVE_DBUS_INSPECT
        Subcommand{"status", "Show a running broker's state over D-Bus", status_main},
        Subcommand{"workers", "Show a running broker's worker table over D-Bus", workers_main},
        Subcommand{"watch", "Follow a running broker's state over D-Bus", watch_main},
        Subcommand{"metrics", "Print a running broker's metrics for Prometheus", metrics_main},
#endif
    };
    return table;
}

} // namespace nb::cli
