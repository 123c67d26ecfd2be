#pragma once
// Whether the last close() of an fd may wait for someone else: what the loop
// must hand to an FdCloser instead of closing itself. Safe (false): pipes,
// sockets without SO_LINGER, the mem devices (/dev/null, /dev/zero, ...), and
// files of local or in-kernel filesystems (tmpfs, proc, sysfs, cgroup2, anon
// inodes, pidfs, ext4, xfs, btrfs). Everything else may block: FUSE (a FLUSH
// nobody answers), network filesystems (NFS, CIFS, 9p, ceph), ttys (draining
// output), block devices (syncing), a lingering TCP socket, and what fstat()
// cannot tell. Costs one or two syscalls.
// Thread-safety: any thread.

namespace nb::daemon {

[[nodiscard]] bool close_may_block(int fd) noexcept;

} // namespace nb::daemon
