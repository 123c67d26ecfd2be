#pragma once
// What the pure core is told to enforce: groups, readiness rules, policy and
// limits. Plain data; the shell fills it from TOML and the command line, the
// tests build it by hand.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::core {

using std::chrono::microseconds;
using std::chrono::milliseconds;

/// When a group's reload_timeout passes with some of its workers not back:
/// the broker says READY=1 and is ready (they count as before), or says
/// READY=1 and stays degraded (no WATCHDOG=1) until they say READY=1 again.
enum class ReloadOutcome { ready, degraded };

struct GroupConfig {
    std::string name = "workers";
    unsigned expected = 1;
    bool required = true;
    /// Quorum: the group counts as ready with this many ready workers. Unset = all.
    std::optional<unsigned> min_ready;
    /// Glob patterns (fnmatch) on the worker's identity (X_WORKER name, unit or
    /// "pid:N"); a worker belongs to the first group it matches.
    std::vector<std::string> match = {"*"};
    /// A worker not READY this long after it first reported is late. 0 = no deadline.
    microseconds start_timeout{0};
    /// A ready worker must send WATCHDOG=1 at least this often. 0 = no watchdog.
    microseconds watchdog{0};
    /// The WATCHDOG_USEC= a worker of this group may set for itself instead
    /// of `watchdog`; a value outside is refused (issue 13).
    microseconds worker_watchdog_min{std::chrono::seconds(1)};
    microseconds worker_watchdog_max{std::chrono::hours(1)};
    /// The group's workers reload with the pool (issue 15 B): after a reload
    /// the broker's READY=1 waits up to this long for each of them (if the
    /// group is required) to say READY=1 again. 0 = not waited for.
    microseconds reload_timeout{0};
    ReloadOutcome reload_outcome = ReloadOutcome::ready;
};

/// Who may report at all and which names they may claim. A sender matches a rule
/// when every field that is set matches; the first matching rule applies.
struct AllowRule {
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::optional<std::string> unit;        ///< fnmatch pattern on the sender's systemd unit
    std::vector<std::string> names = {"*"}; ///< fnmatch patterns the sender may claim
};

struct RateLimit {
    unsigned burst = 200;      ///< datagrams a sender may send at once
    unsigned per_second = 100; ///< sustained datagrams per second per sender
};

struct BrokerConfig {
    std::vector<GroupConfig> groups = {GroupConfig{}};
    /// Empty: anyone who can reach the socket may report under any name (the
    /// socket's mode and group are then the only gate).
    std::vector<AllowRule> allow;
    RateLimit rate_limit;
    std::size_t max_workers = 4096;
    std::size_t max_status_length = 512; ///< a worker's status is cut to this (UTF-8 safe)
    /// Upstream STATUS= is sent at most once per interval, with a trailing flush.
    milliseconds status_interval{500};
    /// Placeholders: {ready} {expected} {state} {details}. Empty = the built-in text.
    std::string status_format;
    /// Send WATCHDOG=trigger upstream at once when a required worker misses its
    /// watchdog (otherwise the broker only stops pinging).
    bool watchdog_trigger = false;
    /// While starting and making progress, ask systemd for this much more time
    /// (EXTEND_TIMEOUT_USEC) whenever a worker of a required group becomes
    /// ready. 0 = never. The broker's own request: max_extend_timeout does not
    /// cap it (the config bounds it).
    microseconds extend_timeout{0};
    /// The most a worker's own EXTEND_TIMEOUT_USEC may stretch the broker's
    /// start upstream. Relayed only from a worker of a required group that is
    /// itself not ready yet, only while the broker is starting (before READY=1;
    /// never while ready, reloading or stopping, when systemd would apply it to
    /// RuntimeMaxSec=, the reload or the stop), cut to this. 0 = never relay a
    /// worker's extension. Its own start deadline stretches either way.
    microseconds max_extend_timeout{std::chrono::minutes(5)};
};

} // namespace nb::core
