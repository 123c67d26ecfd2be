#include "dbus/properties_snapshot.hpp"

namespace nb::dbus {

PropertiesSnapshot PropertiesSnapshot::take(const core::Broker& broker, core::TimePoint now) {
    PropertiesSnapshot s;
    s.state = std::string(core::to_string(broker.state()));
    const core::Counts counts = broker.counts();
    s.ready = counts.ready;
    s.expected = counts.expected;
    s.known = counts.known;
    s.status = broker.status_text();
    s.workers = BrokerObject::rows(broker.workers(now));
    for (auto& row : s.workers) {
        std::get<7>(row) = 0;
    }
    s.generation = broker.generation();
    return s;
}

std::vector<std::string> PropertiesSnapshot::changed_since(const PropertiesSnapshot& before) const {
    std::vector<std::string> names;
    if (state != before.state) {
        names.emplace_back("State");
    }
    if (ready != before.ready) {
        names.emplace_back("ReadyCount");
    }
    if (expected != before.expected) {
        names.emplace_back("ExpectedCount");
    }
    if (known != before.known) {
        names.emplace_back("KnownCount");
    }
    if (status != before.status) {
        names.emplace_back("StatusText");
    }
    if (workers != before.workers) {
        names.emplace_back("Workers");
    }
    if (!names.empty() || generation != before.generation) {
        names.emplace_back("Generation");
    }
    return names;
}

} // namespace nb::dbus
