#include "shell/metrics_input.hpp"

namespace nb::daemon {

proto::MetricsInput metrics_input(const core::Broker& broker,
                                  std::map<std::string, std::uint64_t> counters,
                                  core::TimePoint now) {
    proto::MetricsInput input;
    input.state = std::string(core::to_string(broker.state()));
    const core::Counts counts = broker.counts();
    input.ready = counts.ready;
    input.expected = counts.expected;
    input.known = counts.known;
    input.counters = std::move(counters);
    input.version = proto::build_version();
    input.workers.emplace();
    for (const auto& worker : broker.workers(now)) {
        proto::MetricsWorker row;
        row.name = worker.name;
        row.group = worker.group;
        row.state = std::string(core::to_string(worker.state));
        if (worker.last_ping_age) {
            row.ping_age_usec = static_cast<std::uint64_t>(worker.last_ping_age->count());
        }
        input.workers->push_back(std::move(row));
    }
    return input;
}

} // namespace nb::daemon
