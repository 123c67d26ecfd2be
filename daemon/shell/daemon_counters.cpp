// Daemon::counters(): every number the shell counts, under the names the
// D-Bus Counters property and proto/metrics.hpp's renderer read.

#include "base/logger.hpp"
#include "shell/daemon.hpp"
#include "shell/drop_reason.hpp"

namespace nb::daemon {

std::map<std::string, std::uint64_t> Daemon::counters() const {
    std::map<std::string, std::uint64_t> out;
    out["datagrams.received"] = dispatcher_->received();
    out["datagrams.accepted"] = dispatcher_->accepted();
    for (std::size_t i = 0; i < drop_reason_count; ++i) {
        const auto reason = static_cast<DropReason>(i);
        out["datagrams." + std::string(to_string(reason))] = drops_.count(reason);
    }
    for (std::size_t i = 0; i < UpstreamCounts::kinds.size(); ++i) {
        out["upstream." + std::string(UpstreamCounts::kinds[i])] = upstream_counts_.of(i);
    }
    // The fd store's queue while systemd does not read (shell/state_store.hpp).
    out["fd_store.refused"] = upstream_.fd_store().refused();
    out["fd_store.superseded"] = upstream_.fd_store().superseded();
    out["senders.rate_limited"] = drops_.rate_limited_senders();
    out["workers.restored"] = restored_;
    out["log.entries_dropped"] = log_entries_dropped();
    out["start_time_usec"] = start_time_usec_;
    return out;
}

} // namespace nb::daemon
