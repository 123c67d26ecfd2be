#include "passed_fds.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <string_view>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace nb::cli {
namespace {

// fdset_new_fill(filter_cloexec=0): the open descriptors >= 3 without FD_CLOEXEC.
int inherited_fds(std::vector<int>& fds) {
    DIR* directory = ::opendir("/proc/self/fd");
    if (directory == nullptr) {
        return -errno;
    }
    const int own = ::dirfd(directory);
    while (const dirent* entry = ::readdir(directory)) {
        const int fd = parse_fd(entry->d_name);
        if (fd < 3 || fd == own) {
            continue; // ".", "..", stdio and the directory itself
        }
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && (flags & FD_CLOEXEC) == 0) {
            fds.push_back(fd);
        }
    }
    ::closedir(directory);
    return 0;
}

void close_all(std::vector<int>& fds) noexcept {
    for (const int fd : fds) {
        ::close(fd);
    }
    fds.clear();
}

} // namespace

int parse_fd(const char* text) {
    const std::string_view view(text);
    int fd = 0;
    const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), fd);
    if (view.empty() || error == std::errc::invalid_argument || end != view.data() + view.size()) {
        return -EINVAL;
    }
    if (error == std::errc::result_out_of_range) {
        return -ERANGE;
    }
    return fd < 0 ? -EBADF : fd;
}

PassedFds::PassedFds(PassedFds&& other) noexcept
    : filled_(other.filled_)
    , inherited_(std::move(other.inherited_))
    , taken_(std::move(other.taken_)) {
    other.inherited_.clear();
    other.taken_.clear();
}

PassedFds& PassedFds::operator=(PassedFds&& other) noexcept {
    if (this != &other) {
        close_all(inherited_);
        close_all(taken_);
        filled_ = other.filled_;
        inherited_ = std::move(other.inherited_);
        taken_ = std::move(other.taken_);
        other.inherited_.clear();
        other.taken_.clear();
    }
    return *this;
}

PassedFds::~PassedFds() {
    close_all(inherited_);
    close_all(taken_);
}

int PassedFds::take(int fd) {
    if (!filled_) {
        if (const int r = inherited_fds(inherited_); r < 0) {
            return r;
        }
        filled_ = true;
    }
    if (fd < 3) {
        // stdin/stdout/stderr stay ours too: send a copy.
        const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0) {
            return -errno;
        }
        taken_.push_back(copy);
        return 0;
    }
    const auto found = std::find(inherited_.begin(), inherited_.end(), fd);
    if (found == inherited_.end()) {
        return -ENOENT;
    }
    inherited_.erase(found);
    taken_.push_back(fd);
    return 0;
}

std::size_t PassedFds::close_unreferenced() noexcept {
    const std::size_t count = inherited_.size();
    close_all(inherited_);
    return count;
}

void PassedFds::close_taken() noexcept {
    close_all(taken_);
}

} // namespace nb::cli
