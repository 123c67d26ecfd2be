#pragma once
// A tcp probe: healthy when a connection to "host:port" (an IP literal) or
// to a unix stream socket path is established; it is closed at once, nothing
// is sent.

#include "shell/probe_run.hpp"

#include <uv.h>

#include <memory>
#include <string>

namespace nb::daemon {

/// On a bad address or a refused handle, calls done at once and returns nullptr.
[[nodiscard]] std::unique_ptr<ProbeRun>
start_connect_probe(uv_loop_t* loop, const std::string& address, ProbeDone done);

} // namespace nb::daemon
