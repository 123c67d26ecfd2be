#pragma once
// Who may report, and under which names (BrokerConfig::allow). Thread-safety:
// none; the broker's thread only.

#include "core/broker.hpp"
#include "core/broker_config.hpp"

#include <string_view>
#include <vector>

namespace nb::core {

class Policy {
public:
    explicit Policy(std::vector<AllowRule> rules);

    /// The first rule every set field of which matches `sender` (uid, gid, and an
    /// fnmatch of the unit), or nullptr when none does. With no rules at all
    /// everyone matches an open rule that allows every name.
    [[nodiscard]] const AllowRule* rule_for(const Sender& sender) const noexcept;

    /// True when one of the rule's name globs matches `name`.
    [[nodiscard]] static bool may_claim(const AllowRule& rule, std::string_view name);
    /// True when one of the fnmatch globs matches `text` (also used for group match lists).
    [[nodiscard]] static bool matches_any(const std::vector<std::string>& globs,
                                          std::string_view text);

private:
    std::vector<AllowRule> rules_;
    AllowRule open_rule_;
};

} // namespace nb::core
