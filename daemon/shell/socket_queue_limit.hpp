#pragma once
// How many datagrams may wait on the worker socket while the broker is not
// reading it (a restart, a stall): the kernel fixes that limit when the socket
// is created, from net.unix.max_dgram_qlen of the network namespace it is
// created in. Past it, every sender blocks inside sd_notify() (or gets EAGAIN)
// until the broker reads again. The kernel's default is 10, and so is every
// fresh namespace's (containers, PrivateNetwork= services); only a booted host
// gets 512 from systemd's sysctl.d. So the broker says at start-up when the
// limit is small enough to stall a pool.
// Thread-safety: pure functions and /proc reads; call from any thread.

#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon {

/// Below this many queued datagrams, a pool larger than a handful of workers
/// can block while the broker restarts.
inline constexpr int comfortable_queue_limit = 64;

/// True if the unix socket with this inode is listed in proc_net_unix (the
/// text of /proc/PID/net/unix: that process's network namespace).
[[nodiscard]] bool unix_socket_listed(std::string_view proc_net_unix, ino_t inode) noexcept;

/// The queue limit the socket got when it was created: net.unix.max_dgram_qlen
/// of our network namespace when the socket lives in it; nothing when it does
/// not (an activated socket that the service manager created outside our
/// PrivateNetwork= namespace) or when /proc cannot be read.
[[nodiscard]] std::optional<int> socket_queue_limit(int socket_fd);

/// What to log about the limit: a warning text when it is known and below
/// comfortable_queue_limit, an info text when it cannot be known, nothing
/// when it is comfortable.
struct QueueLimitNotice {
    bool warning = false;
    std::string text;
};
[[nodiscard]] std::optional<QueueLimitNotice> queue_limit_notice(std::optional<int> limit);

} // namespace nb::daemon
