#include "core/worker_name.hpp"

#include <algorithm>

namespace nb::core {

bool is_valid_worker_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > max_worker_name_length) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '@' || c == ':' || c == '-';
    });
}

} // namespace nb::core
