#include "base/close_may_block.hpp"

#include <algorithm>
#include <array>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

namespace nb::daemon {
namespace {

/// statfs f_type of filesystems whose close() never waits on anyone (linux/magic.h).
constexpr std::array<unsigned long, 14> local_filesystems = {
    0x01021994UL, // tmpfs (and memfd, devtmpfs)
    0x858458f6UL, // ramfs
    0x9fa0UL,     // proc
    0x62656572UL, // sysfs
    0x63677270UL, // cgroup2
    0x27e0ebUL,   // cgroup
    0x09041934UL, // anon inodes (eventfd, signalfd, timerfd, epoll, pidfd before pidfs)
    0x50494446UL, // pidfs
    0x50495045UL, // pipefs
    0x534f434bUL, // sockfs
    0xcafe4a11UL, // bpf
    0xef53UL,     // ext2/3/4
    0x58465342UL, // xfs
    0x9123683eUL, // btrfs
};

constexpr unsigned mem_devices_major = 1; // /dev/null, /dev/zero, /dev/full, /dev/random...

} // namespace

bool close_may_block(int fd) noexcept {
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        return true;
    }
    if (S_ISFIFO(status.st_mode)) {
        return false;
    }
    if (S_ISSOCK(status.st_mode)) {
        ::linger lingering{};
        socklen_t length = sizeof(lingering);
        if (::getsockopt(fd, SOL_SOCKET, SO_LINGER, &lingering, &length) != 0) {
            return true;
        }
        return lingering.l_onoff != 0 && lingering.l_linger > 0;
    }
    if (S_ISCHR(status.st_mode)) {
        return major(status.st_rdev) != mem_devices_major;
    }
    if (S_ISBLK(status.st_mode)) {
        return true;
    }
    struct statfs filesystem {};
    if (::fstatfs(fd, &filesystem) != 0) {
        return true;
    }
    const auto type = static_cast<unsigned long>(filesystem.f_type);
    return std::find(local_filesystems.begin(), local_filesystems.end(), type) ==
           local_filesystems.end();
}

} // namespace nb::daemon
