#include "env_merge.hpp"

#include <algorithm>

namespace nb::cli {

void env_merge(std::vector<std::string>& merged, std::span<const std::string> entries) {
    for (const auto& entry : entries) {
        auto prefix_length = entry.find('=');
        prefix_length = prefix_length == std::string::npos ? entry.size() : prefix_length + 1;
        const auto existing = std::find_if(merged.begin(), merged.end(), [&](const auto& other) {
            return other.compare(0, prefix_length, entry, 0, prefix_length) == 0;
        });
        if (existing != merged.end()) {
            *existing = entry;
        } else {
            merged.push_back(entry);
        }
    }
}

std::string join_lines(std::span<const std::string> entries) {
    std::string joined;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i != 0) {
            joined += '\n';
        }
        joined += entries[i];
    }
    return joined;
}

} // namespace nb::cli
