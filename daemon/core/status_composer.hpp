#pragma once
// Builds the one-line upstream STATUS from the broker's state, e.g.
// "3/4 workers ready; web-2 starting". Worker text enters only here, sanitised,
// and the result is always a single line of valid UTF-8 of bounded length.
// Pure; thread-safety: const calls may run concurrently.

#include "core/broker.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nb::core {

/// Well below the 4096-byte datagram so STATUS always fits next to the other keys.
inline constexpr std::size_t max_upstream_status_length = 1024;
/// Workers named in the details before "+N more".
inline constexpr std::size_t max_listed_workers = 4;
/// Bytes of a worker's own status quoted in the details.
inline constexpr std::size_t max_quoted_worker_status = 80;

/// One worker worth mentioning: "web-2 starting (loading cache)".
struct WorkerNote {
    std::string_view name;
    std::string_view what;   ///< starting, reloading, late, gone, stopped
    std::string_view status; ///< the worker's own STATUS, may be empty
};

struct StatusFacts {
    Counts counts;
    BrokerState state = BrokerState::starting;
    std::vector<std::string> notes; ///< broker-level: "reloading", "reload failed: ..."
    std::vector<WorkerNote> workers;
};

class StatusComposer {
public:
    /// `format` may use {ready} {expected} {state} {details}; empty = the built-in
    /// "{ready}/{expected} workers ready" followed by "; {details}" when there are any.
    explicit StatusComposer(std::string format,
                            std::size_t max_length = max_upstream_status_length);

    [[nodiscard]] std::string compose(const StatusFacts& facts) const;
    /// The details alone: notes joined by "; ", then the listed workers by ", ".
    [[nodiscard]] static std::string details(const StatusFacts& facts);

private:
    std::string format_;
    std::size_t max_length_;
};

} // namespace nb::core
