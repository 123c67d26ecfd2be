#include "shell/unit_scan.hpp"

#include "base/unique_fd.hpp"
#include "shell/cgroup_watcher.hpp"

#include <array>
#include <memory>

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

/// Slices nest (a-b.slice inside a.slice) but not deeply: bounded anyway.
constexpr int deepest_slice = 8;
/// cgroup.events is two short lines ("populated 1\nfrozen 0\n").
constexpr std::size_t events_size = 256;

struct DirCloser {
    void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};
/// A directory stream; closedir() closes the fd it was opened on.
using DirStream = std::unique_ptr<DIR, DirCloser>;

/// The directory `name` below the directory fd `parent`, as a stream.
DirStream open_dir(int parent, const char* name) {
    UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return nullptr;
    }
    DirStream dir(::fdopendir(fd.get()));
    if (dir) {
        [[maybe_unused]] const int owned_by_stream = fd.release();
    }
    return dir;
}

bool is_directory(int parent, const dirent& entry) noexcept {
    if (entry.d_type != DT_UNKNOWN) {
        return entry.d_type == DT_DIR; // cgroupfs (kernfs) and tmpfs fill it in
    }
    struct stat status {};
    return ::fstatat(parent, entry.d_name, &status, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISDIR(status.st_mode);
}

/// "populated 1" in <unit>/cgroup.events, opened relative to the unit's parent.
bool populated(int parent, const std::string& unit) {
    UniqueFd fd(::openat(parent, (unit + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return false;
    }
    std::array<char, events_size> text{};
    const auto got = ::read(fd.get(), text.data(), text.size());
    return got > 0 && populated_from_events(
                          std::string_view(text.data(), static_cast<std::size_t>(got))) == true;
}

void scan(int dir_fd, DIR* dir, const std::string& relative, const std::string& glob,
          const KnownUnit& known, int depth, std::vector<FoundUnit>& found) {
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name(entry->d_name);
        if (name.ends_with(".slice")) {
            if (depth < deepest_slice && is_directory(dir_fd, *entry)) {
                if (DirStream slice = open_dir(dir_fd, entry->d_name)) {
                    scan(::dirfd(slice.get()), slice.get(), relative + "/" + entry->d_name, glob,
                         known, depth + 1, found);
                }
            }
        } else if (name.ends_with(".service") && ::fnmatch(glob.c_str(), entry->d_name, 0) == 0 &&
                   !(known && known(name)) && is_directory(dir_fd, *entry)) {
            std::string unit(name);
            if (populated(dir_fd, unit)) {
                found.push_back(FoundUnit{unit, relative + "/" + unit});
            }
        }
    }
}

} // namespace

std::vector<FoundUnit> find_running_units(const std::string& cgroup_root, const std::string& glob,
                                          const KnownUnit& known) {
    std::vector<FoundUnit> found;
    if (cgroup_root.empty()) {
        return found;
    }
    if (DirStream root = open_dir(AT_FDCWD, cgroup_root.c_str())) {
        scan(::dirfd(root.get()), root.get(), "", glob, known, 0, found);
    }
    return found;
}

} // namespace nb::daemon
