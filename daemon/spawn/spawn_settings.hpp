#pragma once
// What spawn mode runs (`notify-brokerd [--workers N] -- COMMAND`).

#include <string>
#include <vector>

namespace nb::daemon {

struct SpawnSettings {
    std::vector<std::string> command; ///< empty: no spawn mode
    unsigned copies = 1;              ///< --workers N: run N copies as N workers
};

} // namespace nb::daemon
