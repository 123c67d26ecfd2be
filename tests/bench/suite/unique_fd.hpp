#pragma once
// One owner per file descriptor for the benchmark driver: the daemon's own.

#include "base/unique_fd.hpp"

namespace nb::bench {

using UniqueFd = nb::daemon::UniqueFd;

} // namespace nb::bench
