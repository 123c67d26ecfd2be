#pragma once
// What identifies a process beyond its pid, as the broker records it (a
// pidfd's inode number): for tests that hand the broker a process identity or
// name a process by its MAINPIDFDID=.

#include <cstdint>
#include <optional>

#include <sys/types.h>

namespace nb::test {

/// The inode number of a fresh pidfd of pid, whatever filesystem holds it
/// (0 if pid has no pidfd): what the broker stores as a worker's identity.
std::uint64_t pidfd_inode(pid_t pid);

/// The pidfs inode id of pid's pidfd (Linux 6.9+, what MAINPIDFDID= carries),
/// or nothing without pidfs (older kernels: every pidfd shares one inode).
std::optional<std::uint64_t> pidfs_id(pid_t pid);

} // namespace nb::test
