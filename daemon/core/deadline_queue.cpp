#include "core/deadline_queue.hpp"

namespace nb::core {

void DeadlineQueue::set(WorkerId id, std::optional<TimePoint> deadline) {
    if (auto found = by_id_.find(id); found != by_id_.end()) {
        ordered_.erase({found->second, id});
        by_id_.erase(found);
    }
    if (deadline) {
        ordered_.emplace(*deadline, id);
        by_id_.emplace(id, *deadline);
    }
}

std::optional<TimePoint> DeadlineQueue::of(WorkerId id) const noexcept {
    const auto found = by_id_.find(id);
    return found == by_id_.end() ? std::nullopt : std::optional<TimePoint>(found->second);
}

std::optional<TimePoint> DeadlineQueue::earliest() const noexcept {
    return ordered_.empty() ? std::nullopt : std::optional<TimePoint>(ordered_.begin()->first);
}

std::vector<WorkerId> DeadlineQueue::take_expired(TimePoint now) {
    std::vector<WorkerId> expired;
    while (!ordered_.empty() && ordered_.begin()->first <= now) {
        const WorkerId id = ordered_.begin()->second;
        ordered_.erase(ordered_.begin());
        by_id_.erase(id);
        expired.push_back(id);
    }
    return expired;
}

void DeadlineQueue::clear() noexcept {
    ordered_.clear();
    by_id_.clear();
}

} // namespace nb::core
