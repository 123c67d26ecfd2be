#include "core/readiness_rule.hpp"

namespace nb::core {

unsigned ReadinessRule::needed(const GroupConfig& group) noexcept {
    return group.min_ready ? *group.min_ready : group.expected;
}

bool ReadinessRule::satisfied(const GroupConfig& group, const GroupTally& tally) noexcept {
    return tally.ready >= needed(group);
}

bool ReadinessRule::holds(const std::vector<GroupTally>& tallies) const noexcept {
    for (std::size_t i = 0; i < groups_->size(); ++i) {
        const GroupConfig& group = (*groups_)[i];
        const GroupTally tally = i < tallies.size() ? tallies[i] : GroupTally{};
        if (group.required && !satisfied(group, tally)) {
            return false;
        }
    }
    return true;
}

unsigned ReadinessRule::late_required(const std::vector<GroupTally>& tallies) const noexcept {
    unsigned late = 0;
    for (std::size_t i = 0; i < groups_->size() && i < tallies.size(); ++i) {
        // Workers past `expected` are spares: a late one stops nothing while
        // the group still has its expected count of ready workers. Otherwise
        // any extra name a worker claims (an X_WORKER=web-99 that never gets
        // ready) could starve the watchdog, and a restore would keep it late.
        const GroupConfig& group = (*groups_)[i];
        if (group.required && tallies[i].ready < group.expected) {
            late += tallies[i].late;
        }
    }
    return late;
}

Counts ReadinessRule::counts(const std::vector<GroupTally>& tallies) const noexcept {
    Counts counts;
    for (std::size_t i = 0; i < groups_->size(); ++i) {
        const GroupTally tally = i < tallies.size() ? tallies[i] : GroupTally{};
        if ((*groups_)[i].required) {
            counts.ready += tally.ready;
            counts.expected += (*groups_)[i].expected;
        }
        counts.known += tally.live;
    }
    return counts;
}

bool ReadinessRule::is_short(const std::string& group_name,
                             const std::vector<GroupTally>& tallies) const noexcept {
    for (std::size_t i = 0; i < groups_->size(); ++i) {
        if ((*groups_)[i].name == group_name) {
            const GroupTally tally = i < tallies.size() ? tallies[i] : GroupTally{};
            return tally.ready < (*groups_)[i].expected;
        }
    }
    return false; // the group is gone from the config: nothing to explain
}

} // namespace nb::core
