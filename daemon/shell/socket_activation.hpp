#pragma once
// sd_listen_fds(3) for the worker socket: takes the socket systemd passed
// (LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES) and removes those variables from the
// environment so spawned children do not think the fds are theirs.
// Thread-safety: touches the environment; call before starting threads.

#include "unique_fd.hpp"

#include <nb/proto/result.hpp>

#include <optional>

namespace nb::daemon {

/// Returns nothing when no fds were passed to us (LISTEN_FDS unset, or
/// LISTEN_PID names another process). With fds: the AF_UNIX SOCK_DGRAM one
/// (named "notify" if LISTEN_FDNAMES names several), set non-blocking and
/// close-on-exec; the other passed fds are closed.
/// Errors: malformed variables, or no passed fd is an AF_UNIX datagram socket.
[[nodiscard]] proto::Result<std::optional<UniqueFd>> take_activated_socket();

} // namespace nb::daemon
