#pragma once
// One owner per file descriptor, for tests: the daemon's own (base/unique_fd.hpp).

#include "base/unique_fd.hpp"

namespace nb::test {

using Fd = nb::daemon::UniqueFd;

} // namespace nb::test
