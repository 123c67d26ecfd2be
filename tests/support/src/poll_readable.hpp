#pragma once
// poll() on one fd, retried on EINTR (inside nb_test_support only).

#include <cerrno>
#include <chrono>

#include <poll.h>

namespace nb::test::detail {

/// What poll() says about fd becoming readable within timeout: > 0 readable,
/// 0 timed out, < 0 failed (errno).
inline int poll_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd entry{fd, POLLIN, 0};
    int n = 0;
    do {
        n = ::poll(&entry, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    return n;
}

} // namespace nb::test::detail
