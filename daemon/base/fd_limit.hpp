#pragma once
// The broker keeps one pidfd per watched worker, so the fd limit bounds the
// pool. systemd's default soft limit (1024) would refuse the ~1010th worker
// while max_workers defaults to 4096: raise the soft limit to the hard one at
// start-up (as systemd recommends for daemons that need many fds) and say so
// when the pool still cannot fit.
// Thread-safety: call once from main before the loop starts.

#include <cstddef>

namespace nb::daemon {

/// Raises RLIMIT_NOFILE's soft limit to its hard limit (a refusal, e.g. by a
/// SystemCallFilter, is tolerated) and logs a warning when max_workers, the fds
/// one receive can install at once (fds_per_receive: the shell's
/// DatagramBatch::max_fds_per_batch) and the broker's own fds would not fit.
/// Never throws.
void make_room_for_workers(std::size_t max_workers, std::size_t fds_per_receive) noexcept;

/// The fds besides workers and received ones: what make_room_for_workers() needs
/// in all is max_workers + fds_per_receive + this.
inline constexpr std::size_t fds_besides_workers = 128;

} // namespace nb::daemon
