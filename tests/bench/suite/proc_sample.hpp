#pragma once
// What /proc says about a running process at one moment, for figures that
// are differences of two samples over a window: its CPU time (all threads,
// also those that exited: the process's CPU clock, in ns), its children's
// (reaped ones only), its wake-ups (context switches of its live threads),
// RSS and open fds. Fields are -1 when unreadable (the process is gone).

#include <cstdint>

#include <sys/types.h>

namespace nb::bench {

struct ProcSample {
    std::int64_t cpu_ns = -1;          ///< clock_getcpuclockid(): utime + stime, to the ns
    std::int64_t children_cpu_ns = -1; ///< cutime + cstime of /proc/PID/stat (clock ticks)
    long voluntary = -1;               ///< voluntary_ctxt_switches, summed over threads
    long involuntary = -1;             ///< nonvoluntary_ctxt_switches, summed over threads
    long threads = -1;
    long rss_kib = -1;
    long fds = -1;

    /// Voluntary + involuntary: each is the thread going off the CPU once.
    [[nodiscard]] long wakeups() const noexcept { return voluntary + involuntary; }
};

[[nodiscard]] ProcSample sample_process(pid_t pid);

} // namespace nb::bench
