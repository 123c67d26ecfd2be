#include "dbus/properties_snapshot.hpp"

#include <array>
#include <utility>

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
    const std::array<std::pair<const char*, bool>, 6> properties{{
        {"State", state != before.state},
        {"ReadyCount", ready != before.ready},
        {"ExpectedCount", expected != before.expected},
        {"KnownCount", known != before.known},
        {"StatusText", status != before.status},
        {"Workers", workers != before.workers},
    }};
    std::vector<std::string> names;
    for (const auto& [name, changed] : properties) {
        if (changed) {
            names.emplace_back(name);
        }
    }
    if (!names.empty() || generation != before.generation) {
        names.emplace_back("Generation");
    }
    return names;
}

} // namespace nb::dbus
