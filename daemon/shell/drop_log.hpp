#pragma once
// Counts dropped datagrams per reason and logs them, rate-limited per reason,
// so that a flood of junk costs a counter increment and never a crash or a
// flood of log lines.
// Thread-safety: the loop thread only.

#include "base/rate_limited_log.hpp"
#include "shell/drop_reason.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon {

class DropLog {
public:
    DropLog();

    /// Counts one drop and logs "dropped datagram from pid P uid U: reason: detail"
    /// (pid/uid omitted when 0/unknown). Never throws.
    void drop(DropReason reason, std::string_view detail, pid_t pid, uid_t uid,
              RateLimitedLog::Clock::time_point now) noexcept;

    [[nodiscard]] std::uint64_t count(DropReason reason) const noexcept;
    [[nodiscard]] std::uint64_t total() const noexcept;
    /// Times a sender began to be refused as rate_limited: a rate_limited drop
    /// whose previous drop was of another sender or for another reason. Such
    /// a drop is logged as a sender-rate-limited event, the others as drops.
    [[nodiscard]] std::uint64_t rate_limited_senders() const noexcept {
        return rate_limited_senders_;
    }
    /// "oversize=1 malformed=3" for the reasons with a count; "none" if nothing.
    [[nodiscard]] std::string summary() const;

private:
    std::array<std::uint64_t, drop_reason_count> counts_{};
    std::array<RateLimitedLog, drop_reason_count> logs_;
    pid_t last_rate_limited_ = 0;
    std::uint64_t rate_limited_senders_ = 0;
};

} // namespace nb::daemon
