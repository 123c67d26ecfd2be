#include "base/fd_limit.hpp"

#include "base/logger.hpp"

#include <string>

#include <sys/resource.h>

namespace nb::daemon {

// fds_besides_workers: the socket, the loop's own fds, the timer, signals,
// D-Bus, the fd store's memfd, /proc reads and cgroup files, with margin.

void make_room_for_workers(std::size_t max_workers, std::size_t fds_per_receive) noexcept {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            limit = raised;
        }
    }
    const rlim_t needed = static_cast<rlim_t>(max_workers) + static_cast<rlim_t>(fds_per_receive) +
                          fds_besides_workers;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        try {
            log(LogLevel::warning,
                "the fd limit (" + std::to_string(limit.rlim_cur) +
                    ") leaves room for fewer than " + "max_workers=" + std::to_string(max_workers) +
                    " watched workers and one receive's " + std::to_string(fds_per_receive) +
                    " fds (" + std::to_string(needed) +
                    " needed); raise LimitNOFILE= or lower max_workers");
        } catch (...) {
            // Out of memory for a warning: the broker still runs.
        }
    }
}

} // namespace nb::daemon
