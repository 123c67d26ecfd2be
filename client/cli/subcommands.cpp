#include "subcommand.hpp"

#include <array>

namespace nb::cli {

std::span<const Subcommand> subcommands() noexcept {
    static constexpr std::array table{
        Subcommand{"listen", "Receive notifications on a socket and print them", listen_main},
    };
    return table;
}

} // namespace nb::cli
