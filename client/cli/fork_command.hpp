#pragma once
// notify-broker --fork [-q] -- CMDLINE (systemd-notify 258): the receiving side
// for one child. Binds its own notify socket, starts CMDLINE with
// $NOTIFY_SOCKET pointing at it (stdin and stdout on /dev/null, stderr
// inherited), prints the child's pid unless quiet, forwards SIGHUP, SIGTERM,
// SIGINT, SIGQUIT, SIGTSTP, SIGCONT, SIGUSR1, SIGUSR2 to it, and returns
//   0             when the child sends READY=1 (the child keeps running),
//   its exit code when it exits first (0 too: a clean early exit is success),
//   -EPROTO       when a signal ends it first,
//   -errno        when the socket or the child cannot be made.
// A datagram from any other process than the child is ignored with a warning.

#include <string>
#include <vector>

namespace nb::cli {

int fork_main(std::vector<std::string>& command, bool quiet);

} // namespace nb::cli
