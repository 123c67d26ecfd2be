#pragma once
// sd_listen_fds(3) for the worker socket: takes the socket systemd passed
// (LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES) and removes those variables from the
// environment so spawned children do not think the fds are theirs.
// Thread-safety: touches the environment; call before starting threads.

#include "base/unique_fd.hpp"

#include <nb/proto/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace nb::daemon {

/// A passed fd with its LISTEN_FDNAMES name.
struct NamedFd {
    std::string name;
    UniqueFd fd;
};

struct ActivatedFds {
    std::optional<UniqueFd> socket; ///< the worker socket, if one was passed
    /// Everything else systemd passed: the fd store's entries (nb-state.N,
    /// nb-pidfd-PID) after a restart. Close-on-exec; the caller decides.
    std::vector<NamedFd> others;
};

/// As take_activated_socket(), but hands over the other passed fds too. Passed
/// fds without a datagram socket among them are fine if all are the fd store's
/// ("nb-..." names: a broker with a socket of its own restarted by systemd).
/// Errors: malformed variables, a passed fd that is not open, no datagram
/// socket among fds that are not all "nb-...".
[[nodiscard]] proto::Result<ActivatedFds> take_activated_fds();

/// Returns nothing when no fds were passed to us (LISTEN_FDS unset, or
/// LISTEN_PID names another process). With fds: the AF_UNIX SOCK_DGRAM one
/// (named "notify" if LISTEN_FDNAMES names several), set non-blocking and
/// close-on-exec; the other passed fds are closed.
/// Errors: malformed variables, or no passed fd is an AF_UNIX datagram socket.
[[nodiscard]] proto::Result<std::optional<UniqueFd>> take_activated_socket();

} // namespace nb::daemon
