#pragma once
// The pure core of notify-brokerd: events and time in, upstream messages out.
// No I/O, no clock of its own: every call takes `now` (CLOCK_MONOTONIC, which is
// what std::chrono::steady_clock is on Linux), so tests drive it with a fake clock.
// Thread-safety: none; the shell calls it from the loop thread only.
//
// CONTRACT between core and shell (daemon/shell): the shell
//  - parses each datagram with proto::Message::parse, resolves the sender's unit
//    from /proc/PID/cgroup, and calls on_message();
//  - calls on_process_exited() when a pidfd it watches fires, and
//    on_bus_peer_gone() when a D-Bus caller leaves the bus;
//  - when it follows an accepted sender's unit (its cgroup) instead of its pid,
//    calls on_followed_by_unit(), and on_unit_gone() when that cgroup empties;
//  - before counting a name_held verdict, checks the process holder_of() names
//    and, if it has exited, reports that exit and offers the message again;
//  - arms one timer for next_deadline() and calls on_tick() when it fires;
//  - after every call, drains take_outbox() and sends each payload upstream;
//  - on SIGTERM calls request_stop(); on SIGHUP begin_reload(), then
//    finish_reload() with the new config or the reason it was rejected.

#include "core/broker_config.hpp"
#include "core/broker_event.hpp"
#include "core/probe_machine.hpp"
#include "core/state_snapshot.hpp"
#include "core/worker_info.hpp"

#include <nb/proto/message.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace nb::core {

using TimePoint = std::chrono::steady_clock::time_point;

/// Kernel-checked (socket) or bus-checked (D-Bus) identity of one sender.
struct Sender {
    Source source = Source::socket;
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string unit;     ///< systemd unit from the cgroup, empty if none
    std::string bus_name; ///< unique D-Bus name (":1.42") for Source::dbus
};

/// Why a message was not applied. The shell counts and logs (rate-limited).
enum class Verdict {
    accepted,
    forbidden_key,    ///< BARRIER=1 with other keys; from D-Bus, a key with no meaning for a worker
    unauthorised,     ///< no allow rule matches the sender
    name_denied,      ///< the rule does not allow the claimed X_WORKER name
    invalid_name,     ///< X_WORKER is empty, too long or has characters we refuse
    rate_limited,     ///< the sender's token bucket is empty
    too_many_workers, ///< max_workers reached
    stopping,         ///< the broker is stopping and takes nothing new
    name_held,        ///< another live process holds the name (not the same unit's next one)
};
[[nodiscard]] std::string_view to_string(Verdict) noexcept;

enum class BrokerState { starting, ready, degraded, reloading, stopping };
[[nodiscard]] std::string_view to_string(BrokerState) noexcept;

struct Counts {
    unsigned ready = 0;    ///< ready workers in required groups
    unsigned expected = 0; ///< sum of expected counts of required groups
    unsigned known = 0;    ///< workers the broker tracks (all groups)
};

/// How often keys of one row of the key table (core/worker_keys.hpp) were ignored.
struct IgnoredKeyCount {
    std::string_view row; ///< "MAINPID", "X_*", "*" (unknown keys), ...
    std::uint64_t count = 0;
};

/// The broker's own systemd context, read from the environment by the shell.
struct UpstreamContext {
    std::chrono::microseconds watchdog{0}; ///< our WATCHDOG_USEC if sd_watchdog_enabled
};

class Broker {
public:
    Broker(BrokerConfig config, UpstreamContext upstream, TimePoint now);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    // --- events in -------------------------------------------------------
    Verdict on_message(const Sender& sender, const proto::Message& message, TimePoint now);
    void on_process_exited(pid_t pid, TimePoint now);
    void on_bus_peer_gone(std::string_view bus_name, TimePoint now);
    /// The worker pid reports for (named after its unit, no X_WORKER=) lives as
    /// long as its unit's cgroup, which the shell follows from now on: it is no
    /// longer found by that pid (a later process with the pid is a stranger),
    /// and leaves on on_unit_gone(), not on the pid's exit.
    void on_followed_by_unit(pid_t pid);
    /// A followed unit has no process left: the worker following it is gone.
    void on_unit_gone(std::string_view unit, TimePoint now);
    void on_tick(TimePoint now);
    /// Health probes (core/broker_probes.cpp): a probe now stands for the
    /// worker `name` (a starting worker of Source::probe unless one of that
    /// name reports already); false when no group takes the name, the
    /// broker is stopping or max_workers is reached.
    bool on_probe_attached(const std::string& name, TimePoint now);
    /// What the worker's probe says; a verdict for a name without a worker
    /// (its reporting process exited) brings it back as a probe worker.
    void on_probe(const std::string& name, ProbeVerdict verdict, TimePoint now);
    /// The probe no longer stands for it (its unit's cgroup emptied, its
    /// member left the group, a reload removed the probe): a worker only the
    /// probe stood for is gone; one that reports loses the probe's lateness.
    void on_probe_detached(const std::string& name, TimePoint now);
    /// Probes started after the reload signal passed success_threshold times
    /// (ProbeMachine::take_reprobed): a worker only a probe stands for has
    /// reloaded (a reporting worker reloads by its own READY=1).
    void on_probe_reloaded(const std::string& name, TimePoint now);
    void request_stop(TimePoint now);
    void begin_reload(TimePoint now);
    /// new_config empty: the reload failed for `error`; the old config stays.
    void finish_reload(std::optional<BrokerConfig> new_config, std::string error, TimePoint now);
    /// Settings a reload read but left at their running value because they
    /// need a restart (config/reload_plan.hpp): STATUS names them, from the
    /// next settle (call before finish_reload()) until a reload has none.
    void set_restart_needed(std::vector<std::string> keys);

    /// The name of the worker `message` from `sender` is for (X_WORKER=, else
    /// the sender's worker's, else the sender's default name); empty for an
    /// invalid X_WORKER=. For the shell's log lines.
    [[nodiscard]] std::optional<std::string> name_for(const Sender& sender,
                                                      const proto::Message& message) const;

    /// For a message on_message() refused as name_held: the pid of the process
    /// (socket or spawned) holding the name it claims; empty when the holder is
    /// no such process (a bus caller, a worker following its unit) or there is
    /// no holder.
    [[nodiscard]] std::optional<pid_t> holder_of(const Sender& sender,
                                                 const proto::Message& message) const;

    // --- messages out ----------------------------------------------------
    /// Serialized upstream datagrams ("READY=1\nSTATUS=..."), oldest first.
    [[nodiscard]] std::vector<std::string> take_outbox();
    /// What happened to workers and the pool since the last call, oldest first
    /// (for the log; at most max_pending_events).
    [[nodiscard]] std::vector<BrokerEvent> take_events();
    /// When on_tick() must be called next; empty = nothing pending.
    [[nodiscard]] std::optional<TimePoint> next_deadline() const;

    // --- state (for D-Bus and the CLI) -----------------------------------
    [[nodiscard]] BrokerState state() const noexcept;
    [[nodiscard]] Counts counts() const noexcept;
    [[nodiscard]] std::string status_text() const;
    [[nodiscard]] std::vector<WorkerInfo> workers(TimePoint now) const;
    /// Grows by one on every observable change (state, counts, status, table):
    /// the D-Bus layer coalesces PropertiesChanged on it.
    [[nodiscard]] std::uint64_t generation() const noexcept;
    [[nodiscard]] const BrokerConfig& config() const noexcept;
    /// Keys of the last on_message() that were refused one by one while the
    /// rest applied ("WATCHDOG_USEC=500: outside ..."), for the shell's log.
    [[nodiscard]] const std::vector<std::string>& key_refusals() const noexcept;
    /// The rows of the key table whose keys were ignored, with how often.
    [[nodiscard]] std::vector<IgnoredKeyCount> ignored_keys() const;

    // --- queries for the shell (cheap, no side effect) ----------------------
    /// True while a worker is recorded for this sender (by pid, or bus name):
    /// only such a sender's process is worth watching.
    [[nodiscard]] bool tracks(const Sender& sender) const noexcept;
    /// True while a worker of this name is recorded.
    [[nodiscard]] bool tracks_name(const std::string& name) const;
    /// True when on_message() at `now` would refuse the sender as rate_limited,
    /// without taking a token: the shell spends nothing (no /proc read) on it.
    [[nodiscard]] bool would_rate_limit(const Sender& sender, TimePoint now) const;
    /// True when the first [[allow]] rule matching `process` (its own uid, gid
    /// and unit) sets a `unit` glob and lets it report as the worker `name`,
    /// and a group takes that name: where a root sender's MAINPID= may point
    /// beyond its own ancestors (shell/main_pid.hpp).
    [[nodiscard]] bool admits(const Sender& process, std::string_view name) const;

    // --- restarts (broker_restore.cpp) -------------------------------------
    /// The live workers, for a successor after a crash (sequence left 0: the
    /// shell numbers its snapshots). Throws std::bad_alloc.
    [[nodiscard]] StateSnapshot export_state(TimePoint now) const;
    /// Takes over the workers of a predecessor's snapshot as if they had
    /// reported again, then tells systemd the whole story anew (READY=1 if the
    /// rule holds: a restarted service must say it again), each with its own
    /// watchdog and failure. A worker following its unit comes back as such (the
    /// shell found the unit's cgroup still populated); a D-Bus worker by its
    /// unique bus name (the shell passes only those it will check with the bus).
    /// Skips departed ones, names that are invalid, taken, or match no group of
    /// the current config, and a second worker of one process unless every
    /// worker of it was named by X_WORKER=. Meant for a broker that has seen no
    /// event yet; returns how many workers it took.
    std::size_t import_state(const StateSnapshot& snapshot, TimePoint now);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace nb::core
