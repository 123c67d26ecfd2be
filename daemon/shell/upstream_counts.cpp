#include "shell/upstream_counts.hpp"

namespace nb::daemon {
namespace {

// Keys as the core's scheduler writes them; MONOTONIC_USEC rides with RELOADING.
constexpr std::array<std::string_view, 6> keys{"READY",  "RELOADING", "STOPPING",
                                               "STATUS", "WATCHDOG",  "EXTEND_TIMEOUT_USEC"};

} // namespace

void UpstreamCounts::count(std::string_view payload) noexcept {
    while (!payload.empty()) {
        const std::size_t end = payload.find('\n');
        const std::string_view line = payload.substr(0, end);
        payload = end == std::string_view::npos ? std::string_view() : payload.substr(end + 1);
        const std::string_view key = line.substr(0, line.find('='));
        if (key == "MONOTONIC_USEC" || key.empty()) {
            continue;
        }
        std::size_t kind = kinds.size() - 1;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] == key) {
                kind = i;
                break;
            }
        }
        ++counts_[kind];
    }
}

} // namespace nb::daemon
