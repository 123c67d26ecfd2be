#pragma once
// At most one pending deadline per worker (its start timeout or its watchdog),
// ordered so the earliest is found in O(1) and any is moved in O(log n).
// Thread-safety: none; the broker's thread only.

#include "core/broker.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace nb::core {

using WorkerId = std::uint64_t;

class DeadlineQueue {
public:
    /// Sets (or with nullopt clears) the worker's deadline.
    void set(WorkerId id, std::optional<TimePoint> deadline);
    void erase(WorkerId id) noexcept { set(id, std::nullopt); }
    [[nodiscard]] std::optional<TimePoint> of(WorkerId id) const noexcept;
    [[nodiscard]] std::optional<TimePoint> earliest() const noexcept;
    /// Removes and returns the workers whose deadline is at or before `now`, earliest first.
    [[nodiscard]] std::vector<WorkerId> take_expired(TimePoint now);
    void clear() noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return by_id_.size(); }

private:
    std::set<std::pair<TimePoint, WorkerId>> ordered_;
    std::unordered_map<WorkerId, TimePoint> by_id_;
};

} // namespace nb::core
