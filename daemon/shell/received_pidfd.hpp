#pragma once
// An fd a worker sent with MAINPIDFD=1: only a pidfd of a process (not of a
// thread, PIDFD_THREAD) names a main process. The kernel says what the fd is:
// /proc/self/fd/N of a pidfd reads "anon_inode:[pidfd]" (before and with
// pidfs), and its /proc/self/fdinfo/N holds the process's pid in our pid
// namespace ("Pid:", -1 once reaped, 0 when it runs in a namespace we cannot
// see). The pid stays the process's while the pidfd shows it running.
// Thread-safety: reads /proc; any thread.

#include <string>

#include <sys/types.h>

namespace nb::daemon {

struct ReceivedPidfd {
    pid_t pid = 0;       ///< the process's, when it is a pidfd of a live process
    std::string refusal; ///< why not, otherwise
};

[[nodiscard]] ReceivedPidfd pid_of_received_pidfd(int fd);

} // namespace nb::daemon
