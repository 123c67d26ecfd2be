#pragma once
// The broker's metrics as text for Prometheus: one renderer, used by
// `notify-broker metrics` (which fills MetricsInput from the D-Bus properties)
// and by the broker's metrics_file (which fills it from the same numbers the
// properties are made of), so the two can never disagree in form.
//
// Two formats of the same families:
//  - prometheus: the text exposition format 0.0.4, what node_exporter's
//    textfile collector and `promtool check metrics` read (counters named with
//    their _total in TYPE and HELP, build info a gauge);
//  - openmetrics: OpenMetrics 1.0 text (counter families without _total, an
//    info family, "# EOF" at the end), for scrapers that ask for it.
//
// Families (README "Metrics" lists them with their meaning):
//   nb_pool_state{state}                  1 for the broker's state, 0 for the others
//   nb_workers{group,state}               workers by group and state
//   nb_workers_expected, nb_workers_ready, nb_workers_known
//   nb_worker_state{worker,group,state}   1 per worker (at most max_worker_series workers)
//   nb_worker_last_ping_age_seconds{worker,group}
//   nb_worker_series_overflow             workers left out of the two above
//   nb_datagrams_received_total, nb_datagrams_total{verdict}
//   nb_upstream_messages_total{kind}
//   nb_rate_limited_senders_total, nb_restored_workers_total, nb_log_entries_dropped_total
//   nb_start_time_seconds, nb_build_info{version}
// Thread-safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nb::proto {

struct MetricsWorker {
    std::string name;
    std::string group;
    std::string state;
    std::optional<std::uint64_t> ping_age_usec; ///< empty: never pinged
};

struct MetricsInput {
    std::string state; ///< starting | ready | degraded | reloading | stopping
    std::uint32_t ready = 0;
    std::uint32_t expected = 0;
    std::uint32_t known = 0;
    /// The worker table; without it (a reader who may not see it) the per-group
    /// and per-worker families are left out.
    std::optional<std::vector<MetricsWorker>> workers;
    /// The D-Bus Counters property: "datagrams.received", "datagrams.<verdict>",
    /// "upstream.<kind>", "senders.rate_limited", "workers.restored",
    /// "log.entries_dropped", "start_time_usec". Unknown names are ignored.
    std::map<std::string, std::uint64_t> counters;
    std::string version;
};

enum class MetricsFormat { prometheus, openmetrics };

/// Per-worker series are kept to the first workers by name, so that a pool of
/// thousands cannot blow up a time-series database.
inline constexpr std::size_t max_worker_series = 200;

/// This build's version (the project's VERSION), for nb_build_info.
[[nodiscard]] const char* build_version() noexcept;

[[nodiscard]] std::string render_metrics(const MetricsInput& input, MetricsFormat format,
                                         std::size_t worker_series_cap = max_worker_series);

} // namespace nb::proto
