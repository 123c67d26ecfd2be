#pragma once
// Where the worker socket listens and how it is set up ([socket] in the config
// file). The shell's WorkerSocket applies it; it lives here, below the shell,
// because the config composes it into DaemonSettings.

#include <optional>
#include <string>

#include <sys/types.h>

namespace nb::daemon {

struct SocketSettings {
    /// Path of the worker socket; ignored when a socket comes from LISTEN_FDS.
    std::string path = "/run/notify-broker/notify.sock";
    mode_t mode = 0660;
    std::optional<gid_t> group;           ///< chown the socket to this group
    int receive_buffer = 4 * 1024 * 1024; ///< SO_RCVBUF(FORCE) for bursts
};

} // namespace nb::daemon
