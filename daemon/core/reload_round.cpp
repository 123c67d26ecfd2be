#include "core/reload_round.hpp"

#include <algorithm>
#include <utility>

namespace nb::core {

ReloadRound::ReloadRound(std::vector<Awaited> awaited, std::size_t already)
    : awaited_(std::move(awaited))
    , total_(awaited_.size() + already) {}

bool ReloadRound::reloaded(std::string_view name) {
    const auto found = std::find_if(awaited_.begin(), awaited_.end(),
                                    [&](const Awaited& entry) { return entry.name == name; });
    if (found == awaited_.end()) {
        return came_back(name);
    }
    awaited_.erase(found);
    return true;
}

bool ReloadRound::came_back(std::string_view name) {
    const auto found = std::find(missed_.begin(), missed_.end(), name);
    if (found == missed_.end()) {
        return false;
    }
    missed_.erase(found);
    return true;
}

bool ReloadRound::expire(TimePoint now) {
    std::vector<Awaited> still;
    for (auto& entry : awaited_) {
        if (entry.deadline <= now) {
            missed_.push_back(std::move(entry.name)); // in the order they were awaited
        } else {
            still.push_back(std::move(entry));
        }
    }
    const bool any = still.size() != awaited_.size();
    awaited_ = std::move(still);
    return any;
}

std::optional<ReloadRound::TimePoint> ReloadRound::next_deadline() const noexcept {
    std::optional<TimePoint> next;
    for (const auto& entry : awaited_) {
        if (!next || entry.deadline < *next) {
            next = entry.deadline;
        }
    }
    return next;
}

std::string ReloadRound::progress() const {
    return "reloading: " + std::to_string(reloaded_count()) + "/" + std::to_string(total_) +
           " workers reloaded";
}

std::string_view to_string(ReloadOutcome outcome) noexcept {
    return outcome == ReloadOutcome::degraded ? "degraded" : "ready";
}

} // namespace nb::core
