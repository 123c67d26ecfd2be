#include "pidfd_identity.hpp"

#include <nb/test/fd.hpp>

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nb::test {
namespace {

Fd open_pidfd_of(pid_t pid) {
    return Fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U)));
}

} // namespace

std::uint64_t pidfd_inode(pid_t pid) {
    const Fd pidfd = open_pidfd_of(pid);
    struct stat st {};
    return pidfd && ::fstat(pidfd.get(), &st) == 0 ? st.st_ino : 0;
}

std::optional<std::uint64_t> pidfs_id(pid_t pid) {
    const Fd pidfd = open_pidfd_of(pid);
    struct statfs fs {};
    struct stat st {};
    constexpr long pidfs_magic = 0x50494446;
    if (!pidfd || ::fstatfs(pidfd.get(), &fs) != 0 || fs.f_type != pidfs_magic ||
        ::fstat(pidfd.get(), &st) != 0) {
        return std::nullopt;
    }
    return st.st_ino;
}

} // namespace nb::test
