#pragma once
// What `notify-broker status|workers|watch` show: the Broker1 properties as
// one value, built from Properties.GetAll and updated from PropertiesChanged,
// and its text and JSON renderings (pure functions, unit-tested).

#include <nb/proto/metrics.hpp>

#include <sdbus-c++/Types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nb::cli {

struct WorkerView {
    std::string name;
    std::string group;
    std::string source;
    std::uint32_t pid = 0;
    std::uint32_t uid = 0;
    std::string state;
    std::string status;
    std::optional<std::uint64_t> ping_age_usec; ///< empty: never pinged
    std::string failure; ///< "errno 13, exit status 3" (ERRNO= and the like); empty if nothing
};

struct BrokerSnapshot {
    std::string state;
    std::uint32_t ready = 0;
    std::uint32_t expected = 0;
    std::uint32_t known = 0;
    std::string status;
    std::vector<WorkerView> workers;
    std::uint64_t generation = 0;
    std::map<std::string, std::uint64_t> counters; ///< the Counters property
    std::string version;                           ///< the Version property

    /// Applies the properties present in `values` (GetAll or PropertiesChanged);
    /// unknown names are ignored. Throws sdbus::Error if a value has the wrong type.
    void apply(const std::map<std::string, sdbus::Variant>& values);
};

/// What `notify-broker metrics` renders (proto/metrics.hpp); the worker
/// table only if it was read (`workers_read`).
proto::MetricsInput metrics_input(const BrokerSnapshot& snapshot, bool workers_read);

/// "State: ready\nWorkers: 3/4 ready, 5 known\nStatus: ...\n"
std::string format_status_text(const BrokerSnapshot& snapshot);
/// {"state":"ready","ready":3,"expected":4,"known":5,"status":"...","generation":9}
std::string format_status_json(const BrokerSnapshot& snapshot);
/// An aligned table with a header line; "-" for a worker never pinged and for
/// one that reported no failure.
std::string format_workers_text(const std::vector<WorkerView>& workers);
/// [{"name":..,"group":..,"source":..,"pid":..,"uid":..,"state":..,"status":..,
///   "last_ping_age_usec":N|null,"failure":".."},...]
std::string format_workers_json(const std::vector<WorkerView>& workers);
/// One watch line (no newline): time, state, counts, status; the JSON form adds
/// "changed" and the worker table.
std::string format_change(const BrokerSnapshot& snapshot, const std::vector<std::string>& changed,
                          bool json);

} // namespace nb::cli
