#pragma once
// An exec probe: the command runs as the broker's user, stdin from /dev/null,
// stdout and stderr into one pipe of which the first output_limit bytes are
// kept for the log; exit status 0 is healthy. Cancelled (the timeout), the
// child is killed with SIGKILL and reaped when it exits.

#include "shell/probe_run.hpp"

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

namespace nb::daemon {

/// Bytes of a failing command's output kept for the log.
inline constexpr std::size_t probe_output_limit = 512;

/// Starts `command` (argv[0] an absolute path). On failure to start, calls
/// done at once with the reason and returns nullptr. Throws std::bad_alloc.
[[nodiscard]] std::unique_ptr<ProbeRun>
start_exec_probe(uv_loop_t* loop, const std::vector<std::string>& command, ProbeDone done);

} // namespace nb::daemon
