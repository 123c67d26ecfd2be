// The words D-Bus, the CLI and the logs show for the core's enums.
#include "core/broker.hpp"
#include "core/worker_info.hpp"

namespace nb::core {

std::string_view to_string(Verdict verdict) noexcept {
    switch (verdict) {
    case Verdict::accepted:
        return "accepted";
    case Verdict::forbidden_key:
        return "forbidden-key";
    case Verdict::unauthorised:
        return "unauthorised";
    case Verdict::name_denied:
        return "name-denied";
    case Verdict::invalid_name:
        return "invalid-name";
    case Verdict::rate_limited:
        return "rate-limited";
    case Verdict::too_many_workers:
        return "too-many-workers";
    case Verdict::stopping:
        return "stopping";
    }
    return "unknown";
}

std::string_view to_string(BrokerState state) noexcept {
    switch (state) {
    case BrokerState::starting:
        return "starting";
    case BrokerState::ready:
        return "ready";
    case BrokerState::degraded:
        return "degraded";
    case BrokerState::reloading:
        return "reloading";
    case BrokerState::stopping:
        return "stopping";
    }
    return "unknown";
}

std::string_view to_string(Source source) noexcept {
    switch (source) {
    case Source::socket:
        return "socket";
    case Source::dbus:
        return "dbus";
    case Source::spawned:
        return "spawned";
    }
    return "unknown";
}

std::string_view to_string(WorkerState state) noexcept {
    switch (state) {
    case WorkerState::starting:
        return "starting";
    case WorkerState::ready:
        return "ready";
    case WorkerState::reloading:
        return "reloading";
    case WorkerState::late:
        return "late";
    case WorkerState::stopping:
        return "stopping";
    case WorkerState::gone:
        return "gone";
    }
    return "unknown";
}

} // namespace nb::core
