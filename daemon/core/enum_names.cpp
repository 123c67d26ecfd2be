// The words D-Bus, the CLI and the logs show for the core's enums.
#include "core/enum_names.hpp"

#include "core/broker.hpp"
#include "core/worker_info.hpp"

namespace nb::core {
namespace {

// In the order of the enumerators; the last one is checked.
constexpr std::array<std::string_view, 9> verdict_names{
    "accepted",     "forbidden-key",    "unauthorised", "name-denied", "invalid-name",
    "rate-limited", "too-many-workers", "stopping",     "name-held"};
static_assert(static_cast<std::size_t>(Verdict::name_held) + 1 == verdict_names.size());

constexpr std::array<std::string_view, 5> broker_state_names{"starting", "ready", "degraded",
                                                             "reloading", "stopping"};
static_assert(static_cast<std::size_t>(BrokerState::stopping) + 1 == broker_state_names.size());

constexpr std::array<std::string_view, 4> source_names{"socket", "dbus", "spawned", "probe"};
static_assert(static_cast<std::size_t>(Source::probe) + 1 == source_names.size());

constexpr std::array<std::string_view, 6> worker_state_names{"starting", "ready",    "reloading",
                                                             "late",     "stopping", "gone"};
static_assert(static_cast<std::size_t>(WorkerState::gone) + 1 == worker_state_names.size());

} // namespace

std::string_view to_string(Verdict verdict) noexcept {
    return name_of(verdict_names, verdict);
}

std::string_view to_string(BrokerState state) noexcept {
    return name_of(broker_state_names, state);
}

std::string_view to_string(Source source) noexcept {
    return name_of(source_names, source);
}

std::string_view to_string(WorkerState state) noexcept {
    return name_of(worker_state_names, state);
}

} // namespace nb::core
