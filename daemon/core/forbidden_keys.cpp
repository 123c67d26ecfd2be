#include "core/forbidden_keys.hpp"

namespace nb::core {

bool is_forbidden_key(std::string_view key) noexcept {
    return key == "MAINPID" || key.starts_with("MAINPIDFD") || key == "NOTIFYACCESS" ||
           key.starts_with("FDSTORE") || key == "FDNAME" || key == "FDPOLL" ||
           key == "WATCHDOG_USEC" || key == "EXIT_STATUS" || key == "BARRIER";
}

bool is_lone_barrier(const proto::Message& message) noexcept {
    const auto& assignments = message.assignments();
    return assignments.size() == 1 && assignments.front().key == "BARRIER";
}

std::optional<std::string_view> find_forbidden_key(const proto::Message& message) noexcept {
    if (is_lone_barrier(message)) {
        return std::nullopt;
    }
    for (const auto& assignment : message.assignments()) {
        if (is_forbidden_key(assignment.key)) {
            return assignment.key;
        }
    }
    return std::nullopt;
}

} // namespace nb::core
