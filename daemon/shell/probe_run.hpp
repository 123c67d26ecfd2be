#pragma once
// One running health probe (issue 15). A run reports once, through the
// callback it was started with; destroying it cancels it (no callback after
// that) and releases everything it holds: its fds and libuv handles close, an
// exec probe's child is killed and reaped. The probe scheduler enforces the
// timeout by destroying the run. Thread-safety: the loop thread only.

#include <functional>
#include <string>

namespace nb::daemon {

struct ProbeResult {
    bool healthy = false;
    /// Why it failed ("exit status 3: <output>", "connect: connection refused").
    std::string detail;
};

using ProbeDone = std::function<void(ProbeResult)>;

class ProbeRun {
public:
    ProbeRun() = default;
    virtual ~ProbeRun() = default;
    ProbeRun(const ProbeRun&) = delete;
    ProbeRun& operator=(const ProbeRun&) = delete;
};

} // namespace nb::daemon
