#include "core/departed_workers.hpp"

#include <algorithm>

namespace nb::core {

void DepartedWorkers::add(DepartedWorker departed) {
    forget_name(departed.info.name);
    if (capacity_ == 0) {
        return;
    }
    while (entries_.size() >= capacity_) {
        entries_.pop_front();
    }
    entries_.push_back(std::move(departed));
    ++version_;
}

void DepartedWorkers::forget_name(const std::string& name) noexcept {
    const auto removed = std::erase_if(
        entries_, [&](const DepartedWorker& entry) { return entry.info.name == name; });
    if (removed != 0) {
        ++version_;
    }
}

void DepartedWorkers::reported(const std::function<bool(const std::string& group)>& is_short) {
    for (auto& entry : entries_) {
        entry.reported = true;
    }
    const auto removed = std::erase_if(
        entries_, [&](const DepartedWorker& entry) { return !is_short(entry.info.group); });
    if (removed != 0) {
        ++version_;
    }
}

} // namespace nb::core
