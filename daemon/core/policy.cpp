#include "core/policy.hpp"

#include <algorithm>
#include <string>

#include <fnmatch.h>

namespace nb::core {
namespace {

bool glob_matches(const std::string& pattern, std::string_view text) {
    // fnmatch needs NUL-terminated text; names and units are short.
    const std::string subject(text);
    return ::fnmatch(pattern.c_str(), subject.c_str(), 0) == 0;
}

bool rule_matches(const AllowRule& rule, const Sender& sender) {
    if (rule.uid && *rule.uid != sender.uid) {
        return false;
    }
    if (rule.gid && *rule.gid != sender.gid) {
        return false;
    }
    return !rule.unit || glob_matches(*rule.unit, sender.unit);
}

} // namespace

Policy::Policy(std::vector<AllowRule> rules) : rules_(std::move(rules)) {}

const AllowRule* Policy::rule_for(const Sender& sender) const noexcept {
    if (rules_.empty()) {
        return &open_rule_;
    }
    try {
        const auto found = std::find_if(rules_.begin(), rules_.end(), [&](const AllowRule& rule) {
            return rule_matches(rule, sender);
        });
        return found == rules_.end() ? nullptr : &*found;
    } catch (...) {
        return nullptr; // out of memory while copying a unit name: refuse, never crash
    }
}

bool Policy::may_claim(const AllowRule& rule, std::string_view name) {
    return matches_any(rule.names, name);
}

bool Policy::matches_any(const std::vector<std::string>& globs, std::string_view text) {
    return std::any_of(globs.begin(), globs.end(),
                       [&](const std::string& pattern) { return glob_matches(pattern, text); });
}

} // namespace nb::core
