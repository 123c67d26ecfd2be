#pragma once
// When the pool counts as ready: every required group has its quorum (min_ready,
// or all `expected` workers when unset) of ready workers. Optional groups are
// reported but never hold readiness back. Pure function of the tallies.

#include "core/broker.hpp"
#include "core/broker_config.hpp"
#include "core/worker_registry.hpp"

#include <vector>

namespace nb::core {

class ReadinessRule {
public:
    explicit ReadinessRule(const std::vector<GroupConfig>& groups) : groups_(&groups) {}

    /// Ready workers the group needs: min_ready if set, else expected.
    [[nodiscard]] static unsigned needed(const GroupConfig& group) noexcept;
    /// The group has its quorum.
    [[nodiscard]] static bool satisfied(const GroupConfig& group, const GroupTally& tally) noexcept;

    /// Every required group is satisfied.
    [[nodiscard]] bool holds(const std::vector<GroupTally>& tallies) const noexcept;
    /// Workers of required groups that are late (watchdog or start timeout
    /// missed), counted only in groups with fewer ready workers than expected.
    [[nodiscard]] unsigned late_required(const std::vector<GroupTally>& tallies) const noexcept;
    /// ready/expected over the required groups; known over all live workers.
    [[nodiscard]] Counts counts(const std::vector<GroupTally>& tallies) const noexcept;
    /// The group has fewer ready workers than expected (a departure is worth telling).
    [[nodiscard]] bool is_short(const std::string& group_name,
                                const std::vector<GroupTally>& tallies) const noexcept;

private:
    const std::vector<GroupConfig>* groups_;
};

} // namespace nb::core
