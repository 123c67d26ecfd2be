#pragma once
// What the Broker1 properties say at one moment, to tell which of them a
// PropertiesChanged must carry. Ping ages are left out of the comparison: they
// move with the clock, and a signal per tick would be noise.
// Thread-safety: a value type.

#include "core/broker.hpp"
#include "dbus/broker_object.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace nb::dbus {

struct PropertiesSnapshot {
    std::string state;
    std::uint32_t ready = 0;
    std::uint32_t expected = 0;
    std::uint32_t known = 0;
    std::string status;
    std::vector<WorkerRow> workers; ///< ping ages zeroed
    std::uint64_t generation = 0;

    [[nodiscard]] static PropertiesSnapshot take(const core::Broker& broker, core::TimePoint now);
    /// Names of the properties that differ from `before` (Generation included
    /// whenever anything does).
    [[nodiscard]] std::vector<std::string> changed_since(const PropertiesSnapshot& before) const;
};

} // namespace nb::dbus
