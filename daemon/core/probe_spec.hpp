#pragma once
// One [[probe]] of the config: what stands for a worker that cannot speak
// sd_notify, how to ask it whether it is healthy, and how often. Plain data;
// config/ fills it, core/probe_machine.hpp reads its timing, shell/ runs it.

#include <chrono>
#include <string>
#include <vector>

namespace nb::core {

enum class ProbeKind { exec, tcp, http };

/// Kubernetes' probe fields, under their names where they mean the same
/// (initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold,
/// failureThreshold); start_timeout plays the startup probe's part.
struct ProbeTiming {
    /// Time from attaching (start, or the unit showing up) to the first probe.
    std::chrono::microseconds initial_delay{0};
    /// From the start of one probe to the start of the next (a probe that
    /// runs longer delays the next: never two at once for one worker).
    std::chrono::microseconds interval{std::chrono::seconds(10)};
    /// A probe that has not answered by then failed (and is cancelled).
    std::chrono::microseconds timeout{std::chrono::seconds(1)};
    /// Successes in a row that make the worker ready (again).
    unsigned success_threshold = 1;
    /// Failures in a row that make a ready worker late.
    unsigned failure_threshold = 3;
    /// Not ready this long after attaching: late (start_timeout). 0 = wait forever.
    std::chrono::microseconds start_timeout{0};

    bool operator==(const ProbeTiming&) const = default;
};

struct ProbeSpec {
    /// The worker this probe stands for; empty when `unit` or `group` is set
    /// (each matching unit is then a worker named after it).
    std::string worker;
    /// fnmatch glob on system unit names ("legacy@*.service"): one worker per
    /// running unit, gone when its cgroup empties. Empty: `worker`.
    std::string unit;
    /// A group's name: the probe runs once for each worker of the group
    /// (whatever its source), from its arrival to its leaving, each with its
    /// own state; its target names the member by {worker}
    /// (core/probe_target.hpp). Empty: `worker` or `unit`.
    std::string group;
    ProbeKind kind = ProbeKind::exec;
    /// exec: argv, argv[0] an absolute path. Run as the broker's user.
    std::vector<std::string> command;
    /// tcp: "host:port" (an IP literal) or an absolute unix socket path.
    std::string address;
    /// http: the URL (http:// only); unix_socket, when set, is where to connect.
    std::string url;
    std::string unix_socket;
    /// http: the body must contain this (empty: any body).
    std::string body_contains;
    ProbeTiming timing;
    /// "file:line" of the [[probe]], for log lines.
    std::string origin;
};

/// The same probe, wherever it stands in the file (origin aside): what a
/// reload keeps running with its state.
[[nodiscard]] inline bool same_probe(const ProbeSpec& a, const ProbeSpec& b) {
    return a.worker == b.worker && a.unit == b.unit && a.group == b.group && a.kind == b.kind &&
           a.command == b.command && a.address == b.address && a.url == b.url &&
           a.unix_socket == b.unix_socket && a.body_contains == b.body_contains &&
           a.timing == b.timing;
}

} // namespace nb::core
