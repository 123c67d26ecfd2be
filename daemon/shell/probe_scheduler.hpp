#pragma once
// Runs the config's health probes on the loop (issue 15) and tells the core
// what they say. One ProbeMachine (core/probe_machine.hpp) per probed worker
// decides when to run and what a result means; this class starts the runs
// (exec, tcp, http), enforces their timeout by cancelling them, keeps at most
// max_running at once (the rest wait their turn, oldest due first), and arms
// one timer for the earliest thing due. A probe attached to a unit glob looks
// for matching running units at each of its intervals; each found unit is a
// worker named after it, followed through its cgroup and detached (gone)
// when it empties. A probe attached to a group probes each worker the
// broker counts in that group, from its arrival to its leaving, at the
// target its {worker} placeholder names. Thread-safety: the loop thread only.

#include "base/deadline_timer.hpp"
#include "base/rate_limited_log.hpp"
#include "core/broker.hpp"
#include "core/probe_machine.hpp"
#include "core/probe_spec.hpp"
#include "shell/cgroup_watcher.hpp"
#include "shell/curl_multi.hpp"
#include "shell/probe_run.hpp"

#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nb::daemon {

class ProbeScheduler {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    /// After every call into the core (the shell drains the outbox).
    using Changed = std::function<void()>;

    /// Probes running at once, whatever their number.
    static constexpr std::size_t default_max_running = 32;

    /// Throws std::runtime_error when libuv or libcurl refuse a handle.
    ProbeScheduler(uv_loop_t* loop, std::vector<core::ProbeSpec> probes, core::Broker& broker,
                   Changed changed, std::string cgroup_root, std::size_t max_units,
                   std::size_t max_running = default_max_running);
    ~ProbeScheduler();
    ProbeScheduler(const ProbeScheduler&) = delete;
    ProbeScheduler& operator=(const ProbeScheduler&) = delete;

    /// Attaches the worker probes and arms the timer.
    void start();
    /// A reload's [[probe]] list: a probe equal to a running one (its place
    /// in the file aside) keeps its targets and their state; the targets of
    /// a removed or changed probe are detached, a new or changed probe
    /// attaches afresh. Runs nothing yet (reprobe() or the timer does).
    void reconfigure(std::vector<core::ProbeSpec> probes);
    /// The reload signal came at `since`: every target probes again at once,
    /// and tells the core when probes started since then reached its success
    /// threshold (Broker::on_probe_reloaded).
    void reprobe(TimePoint since);
    /// After every call into the core: a group probe follows its group's
    /// members (attached on arrival, detached on leaving) from the next loop
    /// turn, when the broker's table changed.
    void members_changed() noexcept;
    /// Cancels every run and closes every handle. Idempotent.
    void close() noexcept;

    [[nodiscard]] std::size_t running() const noexcept { return running_; }
    [[nodiscard]] std::size_t targets() const noexcept { return targets_.size(); }
    /// Probe runs started since start() (for tests and benchmarks).
    [[nodiscard]] std::uint64_t runs() const noexcept { return runs_; }

private:
    struct Target {
        std::size_t spec = 0; ///< index into probes_
        std::string name;     ///< the worker's
        core::ProbeMachine machine;
        std::unique_ptr<ProbeRun> run;
        std::optional<TimePoint> run_deadline; ///< started + timeout while running
        unsigned failures = 0;                 ///< in a row, for the log
        /// The spec with the worker's name filled in (core/probe_target.hpp).
        core::ProbeSpec resolved;
    };

    void attach(std::size_t spec, const std::string& name, TimePoint now);
    /// Stops probing `name` (the log line says why) and tells the core.
    void detach(const std::string& name, std::string_view why) noexcept;
    void sync_members(TimePoint now);
    void recount() noexcept;
    void scan_units(TimePoint now);
    void on_timer() noexcept;
    void begin(Target& target, TimePoint now);
    void end(const std::string& name, ProbeResult result) noexcept;
    void tell(Target& target, std::optional<core::ProbeVerdict> verdict, TimePoint now,
              const std::string& last = {});
    void tell_verdict(const Target& target, core::ProbeVerdict verdict, TimePoint now,
                      const std::string& last);
    void rearm() noexcept;

    uv_loop_t* loop_;
    std::vector<core::ProbeSpec> probes_;
    core::Broker& broker_;
    Changed changed_;
    std::string cgroup_root_;
    std::size_t max_running_;
    std::unique_ptr<CurlMulti> curl_; // only with an http probe
    CgroupWatcher cgroups_;
    std::unique_ptr<DeadlineTimer> timer_;
    std::map<std::string, std::unique_ptr<Target>> targets_;
    /// Unit probes: when each looks for its units next (by spec index).
    std::map<std::size_t, TimePoint> next_scan_;
    RateLimitedLog failure_log_;
    std::size_t running_ = 0;
    std::uint64_t runs_ = 0;
    bool closed_ = false;
    bool dispatching_ = false; ///< inside on_timer(): end() does not call it again
    bool groups_ = false;      ///< some probe is a group probe
    bool sync_due_ = false;    ///< members_changed() saw a new broker generation
    std::uint64_t seen_generation_ = ~std::uint64_t{0};
    /// Members not probed because their name may not stand in the target (logged once).
    std::set<std::string> refused_;
};

} // namespace nb::daemon
