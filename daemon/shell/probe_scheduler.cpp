#include "shell/probe_scheduler.hpp"

#include "base/logger.hpp"
#include "core/probe_target.hpp"
#include "core/saturating_time.hpp"
#include "shell/connect_probe.hpp"
#include "shell/exec_probe.hpp"
#include "shell/http_probe.hpp"
#include "shell/unit_scan.hpp"

#include <algorithm>

namespace nb::daemon {
namespace {

ProbeScheduler::TimePoint now() noexcept {
    return std::chrono::steady_clock::now();
}

void earliest(std::optional<ProbeScheduler::TimePoint>& into,
              std::optional<ProbeScheduler::TimePoint> candidate) noexcept {
    if (candidate && (!into || *candidate < *into)) {
        into = candidate;
    }
}

std::string_view kind_name(core::ProbeKind kind) noexcept {
    switch (kind) {
    case core::ProbeKind::exec:
        return "exec";
    case core::ProbeKind::tcp:
        return "tcp";
    case core::ProbeKind::http:
        return "http";
    }
    return "?";
}

bool any_of_kind(const std::vector<core::ProbeSpec>& probes, core::ProbeKind kind) {
    return std::any_of(probes.begin(), probes.end(),
                       [&](const core::ProbeSpec& p) { return p.kind == kind; });
}

bool any_group(const std::vector<core::ProbeSpec>& probes) {
    return std::any_of(probes.begin(), probes.end(),
                       [](const core::ProbeSpec& p) { return !p.group.empty(); });
}

/// The states of a worker the broker counts (departed rows aside).
bool is_live(core::WorkerState state) noexcept {
    return state == core::WorkerState::starting || state == core::WorkerState::ready ||
           state == core::WorkerState::reloading || state == core::WorkerState::late;
}

/// Members refused (their name may not stand in the target) are remembered
/// to log each once; past this many the set starts over.
constexpr std::size_t most_refused_remembered = 1024;

} // namespace

ProbeScheduler::ProbeScheduler(uv_loop_t* loop, std::vector<core::ProbeSpec> probes,
                               core::Broker& broker, Changed changed, std::string cgroup_root,
                               std::size_t max_units, std::size_t max_running)
    : loop_(loop)
    , probes_(std::move(probes))
    , broker_(broker)
    , changed_(std::move(changed))
    , cgroup_root_(cgroup_root)
    , max_running_(std::max<std::size_t>(1, max_running))
    , cgroups_(
          loop, std::move(cgroup_root),
          [this](const std::string& unit) {
              detach(unit, "unit " + unit + " has no process left: its probe stops");
          },
          max_units)
    , failure_log_(20, std::chrono::seconds(10)) {
    if (any_of_kind(probes_, core::ProbeKind::http)) {
        curl_ = std::make_unique<CurlMulti>(loop);
    }
    groups_ = any_group(probes_);
    timer_ = std::make_unique<DeadlineTimer>(loop, [this] { on_timer(); });
}

ProbeScheduler::~ProbeScheduler() {
    close();
}

void ProbeScheduler::start() {
    const TimePoint at = now();
    for (std::size_t i = 0; i < probes_.size(); ++i) {
        if (!probes_[i].unit.empty()) {
            next_scan_[i] = at;
        } else if (probes_[i].group.empty()) {
            attach(i, probes_[i].worker, at);
        }
    }
    sync_due_ = groups_;
    on_timer();
}

void ProbeScheduler::reconfigure(std::vector<core::ProbeSpec> probes) {
    if (closed_) {
        return;
    }
    const TimePoint at = now();
    // Each running probe keeps the first equal one of the new list.
    std::vector<std::optional<std::size_t>> kept(probes_.size());
    std::vector<bool> taken(probes.size(), false);
    for (std::size_t i = 0; i < probes_.size(); ++i) {
        for (std::size_t j = 0; j < probes.size(); ++j) {
            if (!taken[j] && core::same_probe(probes_[i], probes[j])) {
                kept[i] = j;
                taken[j] = true;
                break;
            }
        }
    }
    std::vector<std::string> dropped;
    for (auto& [name, target] : targets_) {
        if (kept[target->spec]) {
            target->spec = *kept[target->spec];
            target->resolved.origin = probes[target->spec].origin;
        } else {
            dropped.push_back(name);
        }
    }
    std::map<std::size_t, TimePoint> scans;
    for (const auto& [spec, next] : next_scan_) {
        if (kept[spec]) {
            scans[*kept[spec]] = next;
        }
    }
    for (const std::string& name : dropped) {
        cgroups_.forget(name); // a unit probe's unit: nothing follows it any more
        detach(name, "probe of worker " + name + " stops: the reload removed or changed it");
    }
    if (!curl_ && any_of_kind(probes, core::ProbeKind::http)) {
        curl_ = std::make_unique<CurlMulti>(loop_);
    }
    probes_ = std::move(probes);
    next_scan_ = std::move(scans);
    groups_ = any_group(probes_);
    refused_.clear();
    for (std::size_t j = 0; j < probes_.size(); ++j) {
        if (taken[j]) {
            continue;
        }
        if (!probes_[j].unit.empty()) {
            next_scan_[j] = at;
        } else if (probes_[j].group.empty()) {
            attach(j, probes_[j].worker, at);
        }
    }
    sync_due_ = groups_;
    rearm();
}

void ProbeScheduler::reprobe(TimePoint since) {
    if (closed_) {
        return;
    }
    for (auto& [name, target] : targets_) {
        target->machine.reprobe(since);
    }
    on_timer();
}

void ProbeScheduler::members_changed() noexcept {
    if (closed_ || !groups_ || broker_.generation() == seen_generation_) {
        return;
    }
    // Not from here: the core calls us back from inside our own loops.
    sync_due_ = true;
    timer_->arm(now());
}

void ProbeScheduler::sync_members(TimePoint at) {
    sync_due_ = false;
    seen_generation_ = broker_.generation();
    std::map<std::string, std::set<std::string>, std::less<>> members;
    for (const core::WorkerInfo& row : broker_.workers(at)) {
        if (is_live(row.state)) {
            members[row.group].insert(row.name);
        }
    }
    std::vector<std::string> left;
    for (const auto& [name, target] : targets_) {
        const std::string& group = probes_[target->spec].group;
        if (!group.empty() && !members[group].contains(name)) {
            left.push_back(name);
        }
    }
    for (const std::string& name : left) {
        detach(name, "worker " + name + " left group " + probes_[targets_.at(name)->spec].group +
                         ": its probe stops");
    }
    for (std::size_t j = 0; j < probes_.size(); ++j) {
        if (!probes_[j].group.empty()) {
            for (const std::string& name : members[probes_[j].group]) {
                attach(j, name, at);
            }
        }
    }
}

void ProbeScheduler::recount() noexcept {
    running_ = 0;
    for (const auto& [key, target] : targets_) {
        running_ += target->run ? 1 : 0;
    }
}

void ProbeScheduler::close() noexcept {
    if (closed_) {
        return;
    }
    closed_ = true;
    targets_.clear(); // cancels every run: children killed, sockets closed
    running_ = 0;
    if (curl_) {
        curl_->close();
    }
    cgroups_.close();
    timer_->close();
}

void ProbeScheduler::attach(std::size_t spec, const std::string& name, TimePoint at) {
    if (targets_.contains(name) || refused_.contains(name)) {
        return; // one probe per worker: the first in the config
    }
    const core::ProbeSpec& probe = probes_[spec];
    auto resolved =
        core::resolve_probe(probe, name, probe.unit.empty() ? "" : core::unit_instance(name));
    if (!resolved) {
        if (refused_.size() >= most_refused_remembered) {
            refused_.clear();
        }
        refused_.insert(name);
        log(LogLevel::warning, "probe " + probe.origin + ": worker " + name +
                                   " is not probed: its name may not stand in a path "
                                   "(it starts with '.')");
        return;
    }
    auto target = std::unique_ptr<Target>(new Target{
        spec, name, core::ProbeMachine(probe.timing, at), nullptr, {}, 0, std::move(*resolved)});
    targets_.emplace(name, std::move(target));
    if (!probe.group.empty()) {
        // A member of the group: the broker knows it already (it reports, or
        // another probe stands for it).
        log(LogLevel::info, "probing worker " + name + " of group " + probe.group + " (" +
                                std::string(kind_name(probe.kind)) + ", " + probe.origin + ")");
        return;
    }
    if (!broker_.on_probe_attached(name, at)) {
        log(LogLevel::warning, "probe " + probes_[spec].origin + ": worker " + name +
                                   " is not tracked (no group takes it, max_workers, or stopping)");
    } else {
        log(LogLevel::info, "probing worker " + name + " (" +
                                std::string(kind_name(probes_[spec].kind)) + ", " +
                                probes_[spec].origin + ")");
    }
    if (changed_) {
        changed_();
    }
}

void ProbeScheduler::detach(const std::string& name, std::string_view why) noexcept {
    try {
        if (targets_.erase(name) == 0) {
            return;
        }
        recount();
        log(LogLevel::info, std::string(why));
        broker_.on_probe_detached(name, now());
        if (changed_) {
            changed_();
        }
    } catch (...) {
        log(LogLevel::err, "detaching the probe of " + name + " failed (out of memory)");
    }
    rearm();
}

void ProbeScheduler::scan_units(TimePoint at) {
    // Units probed (or refused) already are skipped without reading their
    // cgroup.events: their own cgroup watch says when they go.
    const KnownUnit followed = [this](std::string_view name) noexcept {
        try {
            const std::string key(name);
            return targets_.contains(key) || refused_.contains(key);
        } catch (...) {
            return false; // out of memory: read it, as without the shortcut
        }
    };
    for (auto& [spec, next] : next_scan_) {
        if (next > at) {
            continue;
        }
        next = core::saturating_add(at, probes_[spec].timing.interval);
        for (const FoundUnit& unit :
             find_running_units(cgroup_root_, probes_[spec].unit, followed)) {
            if (targets_.contains(unit.name) || refused_.contains(unit.name) || cgroups_.full()) {
                continue;
            }
            if (cgroups_.watch(unit.name, unit.cgroup)) {
                attach(spec, unit.name, at);
            }
        }
    }
}

void ProbeScheduler::on_timer() noexcept {
    if (closed_) {
        return;
    }
    dispatching_ = true;
    try {
        const TimePoint at = now();
        if (sync_due_) {
            sync_members(at);
        }
        for (auto& [name, target] : targets_) {
            if (target->run && target->run_deadline && at >= *target->run_deadline) {
                target->run.reset(); // cancels: kills the child, closes the socket
                --running_;
                ++target->failures;
                const auto verdict = target->machine.finished(false, at);
                failure_log_.log(
                    LogLevel::info,
                    "probe of worker " + name + " timed out (" +
                        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           target->machine.timing().timeout)
                                           .count()) +
                        " ms)",
                    at);
                tell(*target, verdict, at, "timed out");
            }
            tell(*target, target->machine.on_tick(at), at);
        }
        scan_units(at);
        std::vector<Target*> due;
        for (auto& [name, target] : targets_) {
            if (const auto next = target->machine.next_run(); next && *next <= at) {
                due.push_back(target.get());
            }
        }
        std::sort(due.begin(), due.end(), [](const Target* a, const Target* b) {
            return *a->machine.next_run() < *b->machine.next_run();
        });
        for (Target* target : due) {
            if (running_ >= max_running_) {
                break; // the rest wait for a run to end (end() calls us again)
            }
            begin(*target, at);
        }
    } catch (...) {
        log(LogLevel::err, "running the probes failed (out of memory)");
    }
    dispatching_ = false;
    rearm();
}

void ProbeScheduler::begin(Target& target, TimePoint at) {
    const core::ProbeSpec& spec = target.resolved; // the worker's own target
    target.machine.started(at);
    target.run_deadline = core::saturating_add(at, spec.timing.timeout);
    ++running_;
    ++runs_;
    // A run that fails to start reports at once, through end(), before we
    // hold it: the machine is then no longer running, and nothing is kept.
    const std::string name = target.name;
    ProbeDone done = [this, name](ProbeResult result) {
        end(name, std::move(result));
    };
    std::unique_ptr<ProbeRun> run;
    switch (spec.kind) {
    case core::ProbeKind::exec:
        run = start_exec_probe(loop_, spec.command, std::move(done));
        break;
    case core::ProbeKind::tcp:
        run = start_connect_probe(loop_, spec.address, std::move(done));
        break;
    case core::ProbeKind::http:
        run = start_http_probe(*curl_, spec, std::move(done));
        break;
    }
    if (run) {
        // The target may have ended already (end() ran): then there is no run to keep.
        if (const auto found = targets_.find(name);
            found != targets_.end() && found->second->machine.running()) {
            found->second->run = std::move(run);
        }
    }
}

void ProbeScheduler::end(const std::string& name, ProbeResult result) noexcept {
    if (closed_) {
        return;
    }
    try {
        const auto found = targets_.find(name);
        if (found == targets_.end() || !found->second->machine.running()) {
            return;
        }
        Target& target = *found->second;
        std::unique_ptr<ProbeRun> finished = std::move(target.run);
        --running_;
        target.run_deadline.reset();
        const TimePoint at = now();
        if (result.healthy) {
            target.failures = 0;
        } else if (++target.failures == 1 || log_enabled(LogLevel::debug)) {
            failure_log_.log(LogLevel::info,
                             "probe of worker " + name + " failed: " + result.detail, at);
        }
        const auto verdict = target.machine.finished(result.healthy, at);
        tell(target, verdict, at, result.detail);
        // The run object is destroyed after its callback returned to us: every
        // run's callback touches nothing of the run after calling us.
        finished.reset();
    } catch (...) {
        log(LogLevel::err, "recording a probe result failed (out of memory)");
    }
    // A free slot: start what waited for one (and re-arm). Not from inside
    // on_timer() (a run that failed to start reports at once): it goes on.
    if (!dispatching_) {
        on_timer();
    }
}

void ProbeScheduler::tell(Target& target, std::optional<core::ProbeVerdict> verdict, TimePoint at,
                          const std::string& last) {
    const bool reprobed = target.machine.take_reprobed();
    if (!verdict && !reprobed) {
        return;
    }
    if (!probes_[target.spec].group.empty() && !broker_.tracks_name(target.name)) {
        return; // a member that left: its verdict must not bring it back as a probe worker
    }
    if (verdict) {
        tell_verdict(target, *verdict, at, last);
    }
    if (reprobed) {
        // After the verdict: a worker the reload restarted is ready first.
        log(LogLevel::info, "worker " + target.name + " passed its probe again after the reload");
        broker_.on_probe_reloaded(target.name, at);
    }
    if (changed_) {
        changed_();
    }
}

void ProbeScheduler::tell_verdict(const Target& target, core::ProbeVerdict verdict, TimePoint at,
                                  const std::string& last) {
    if (verdict == core::ProbeVerdict::late) {
        log(LogLevel::warning, "worker " + target.name + " is late: its probe failed " +
                                   std::to_string(target.machine.timing().failure_threshold) +
                                   " time(s) in a row, last: " + last);
    }
    if (verdict == core::ProbeVerdict::ready) {
        log(LogLevel::notice, "worker " + target.name + " is ready (its probe passed " +
                                  std::to_string(target.machine.timing().success_threshold) +
                                  " time(s))");
    } else if (verdict == core::ProbeVerdict::start_late) {
        log(LogLevel::warning,
            "worker " + target.name + " is late: its probe did not pass within " + "start_timeout");
    }
    broker_.on_probe(target.name, verdict, at);
}

void ProbeScheduler::rearm() noexcept {
    if (closed_) {
        return;
    }
    std::optional<TimePoint> next;
    for (const auto& [name, target] : targets_) {
        earliest(next, target->run_deadline);
        if (running_ < max_running_) {
            earliest(next, target->machine.next_deadline());
        } else if (const auto start = target->machine.next_deadline();
                   start && start != target->machine.next_run()) {
            earliest(next, start); // a start deadline still counts when every slot is taken
        }
    }
    for (const auto& [spec, at] : next_scan_) {
        earliest(next, at);
    }
    if (sync_due_) {
        earliest(next, now());
    }
    timer_->arm(next);
}

} // namespace nb::daemon
