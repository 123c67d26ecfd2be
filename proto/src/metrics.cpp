#include <nb/proto/metrics.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <tuple>
#include <utility>

namespace nb::proto {
namespace {

constexpr std::array<std::string_view, 5> pool_states{"starting", "ready", "degraded", "reloading",
                                                      "stopping"};

std::string label_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string seconds(std::uint64_t usec) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%llu.%06llu", static_cast<unsigned long long>(usec / 1'000'000),
                  static_cast<unsigned long long>(usec % 1'000'000));
    return buf;
}

class Writer {
public:
    explicit Writer(MetricsFormat format) : format_(format) {}

    /// HELP and TYPE of a family. `name` is the family's name without _total
    /// (and without _info for an info family).
    void family(std::string_view name, std::string_view type, std::string_view help) {
        std::string shown(name);
        std::string_view shown_type = type;
        if (format_ == MetricsFormat::prometheus) {
            if (type == "counter") {
                shown += "_total";
            } else if (type == "info") {
                shown += "_info";
                shown_type = "gauge";
            }
        }
        out_ += "# HELP " + shown + " " + std::string(help) + "\n";
        out_ += "# TYPE " + shown + " " + std::string(shown_type) + "\n";
    }
    void sample(std::string_view name, std::string_view labels, std::string_view value) {
        out_ += name;
        if (!labels.empty()) {
            out_ += "{";
            out_ += labels;
            out_ += "}";
        }
        out_ += " ";
        out_ += value;
        out_ += "\n";
    }
    std::string finish() {
        if (format_ == MetricsFormat::openmetrics) {
            out_ += "# EOF\n";
        }
        return std::move(out_);
    }

private:
    MetricsFormat format_;
    std::string out_;
};

std::uint64_t counter(const MetricsInput& input, const std::string& name) {
    const auto found = input.counters.find(name);
    return found == input.counters.end() ? 0 : found->second;
}

/// The counters named prefix + label value, as one labelled family.
void labelled_counters(Writer& w, const MetricsInput& input, std::string_view prefix,
                       std::string_view skip, std::string_view family, std::string_view label,
                       std::string_view help) {
    w.family(family, "counter", help);
    const std::string sample = std::string(family) + "_total";
    for (const auto& [name, value] : input.counters) {
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) {
            continue;
        }
        const std::string_view what = std::string_view(name).substr(prefix.size());
        if (what == skip) {
            continue;
        }
        w.sample(sample, std::string(label) + "=\"" + label_value(what) + "\"",
                 std::to_string(value));
    }
}

void worker_families(Writer& w, const std::vector<MetricsWorker>& all, std::size_t cap) {
    std::vector<const MetricsWorker*> workers;
    workers.reserve(all.size());
    for (const auto& worker : all) {
        workers.push_back(&worker);
    }
    std::sort(workers.begin(), workers.end(), [](const auto* a, const auto* b) {
        return std::tie(a->group, a->name) < std::tie(b->group, b->name);
    });
    std::map<std::pair<std::string, std::string>, std::uint64_t> by_group_state;
    for (const auto* worker : workers) {
        ++by_group_state[{worker->group, worker->state}];
    }
    w.family("nb_workers", "gauge", "Workers the broker tracks, by group and state.");
    for (const auto& [key, count] : by_group_state) {
        w.sample("nb_workers",
                 "group=\"" + label_value(key.first) + "\",state=\"" + label_value(key.second) +
                     "\"",
                 std::to_string(count));
    }
    const std::size_t shown = std::min(cap, workers.size());
    w.family("nb_worker_state", "gauge",
             "1 for each worker in its state (at most " + std::to_string(cap) +
                 " workers; see nb_worker_series_overflow).");
    for (std::size_t i = 0; i < shown; ++i) {
        const auto* worker = workers[i];
        w.sample("nb_worker_state",
                 "worker=\"" + label_value(worker->name) + "\",group=\"" +
                     label_value(worker->group) + "\",state=\"" + label_value(worker->state) + "\"",
                 "1");
    }
    w.family("nb_worker_last_ping_age_seconds", "gauge",
             "Seconds since the worker's last WATCHDOG=1 (workers that never pinged are left "
             "out).");
    for (std::size_t i = 0; i < shown; ++i) {
        const auto* worker = workers[i];
        if (worker->ping_age_usec) {
            w.sample("nb_worker_last_ping_age_seconds",
                     "worker=\"" + label_value(worker->name) + "\",group=\"" +
                         label_value(worker->group) + "\"",
                     seconds(*worker->ping_age_usec));
        }
    }
    w.family("nb_worker_series_overflow", "gauge",
             "Workers left out of the per-worker families because of their cap.");
    w.sample("nb_worker_series_overflow", "", std::to_string(workers.size() - shown));
}

} // namespace

const char* build_version() noexcept {
    return NB_VERSION;
}

std::string render_metrics(const MetricsInput& input, MetricsFormat format,
                           std::size_t worker_series_cap) {
    Writer w(format);
    w.family("nb_pool_state", "gauge", "1 for the broker's current state, 0 for the others.");
    for (const auto state : pool_states) {
        w.sample("nb_pool_state", "state=\"" + std::string(state) + "\"",
                 state == input.state ? "1" : "0");
    }
    w.family("nb_workers_expected", "gauge", "Sum of the expected counts of required groups.");
    w.sample("nb_workers_expected", "", std::to_string(input.expected));
    w.family("nb_workers_ready", "gauge", "Ready workers in required groups.");
    w.sample("nb_workers_ready", "", std::to_string(input.ready));
    w.family("nb_workers_known", "gauge", "Workers the broker tracks, in all groups.");
    w.sample("nb_workers_known", "", std::to_string(input.known));
    if (input.workers) {
        worker_families(w, *input.workers, worker_series_cap);
    }
    w.family("nb_datagrams_received", "counter", "Datagrams read from the worker socket.");
    w.sample("nb_datagrams_received_total", "",
             std::to_string(counter(input, "datagrams.received")));
    labelled_counters(w, input, "datagrams.", "received", "nb_datagrams", "verdict",
                      "Datagrams by verdict: accepted, or the reason they were dropped.");
    labelled_counters(w, input, "upstream.", "", "nb_upstream_messages", "kind",
                      "Keys sent to systemd's notify socket, by kind.");
    w.family("nb_rate_limited_senders", "counter",
             "Times a sender began to be refused by the rate limit.");
    w.sample("nb_rate_limited_senders_total", "",
             std::to_string(counter(input, "senders.rate_limited")));
    w.family("nb_restored_workers", "counter",
             "Workers taken over from the fd store after a restart.");
    w.sample("nb_restored_workers_total", "", std::to_string(counter(input, "workers.restored")));
    w.family("nb_log_entries_dropped", "counter",
             "Log entries lost because the journal or stderr did not take them.");
    w.sample("nb_log_entries_dropped_total", "",
             std::to_string(counter(input, "log.entries_dropped")));
    w.family("nb_start_time_seconds", "gauge",
             "When the broker started, in seconds since the epoch.");
    w.sample("nb_start_time_seconds", "", seconds(counter(input, "start_time_usec")));
    w.family("nb_build", "info", "The broker's version.");
    w.sample("nb_build_info", "version=\"" + label_value(input.version) + "\"", "1");
    return w.finish();
}

} // namespace nb::proto
