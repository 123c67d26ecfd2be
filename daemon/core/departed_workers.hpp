#pragma once
// Workers that left (process exited, bus peer gone, or STOPPING=1), kept just
// long enough to explain a shortfall: "3/4 workers ready; web-2 gone". An entry
// is forgotten once a STATUS that mentioned it went upstream and its group is
// full again, when the same name comes back, or when the history is full (oldest
// first). Thread-safety: none; the broker's thread only.

#include "core/worker.hpp"
#include "core/worker_info.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace nb::core {

struct DepartedWorker {
    WorkerInfo info; ///< state is gone or stopping
    WorkerId id = 0;
    bool reported = false; ///< a STATUS composed while it was listed went upstream
};

class DepartedWorkers {
public:
    explicit DepartedWorkers(std::size_t capacity) : capacity_(capacity) {}

    void add(DepartedWorker departed);
    /// The name is back: it no longer needs explaining.
    void forget_name(const std::string& name) noexcept;
    /// Marks every entry as reported (a STATUS just went upstream), then drops
    /// the reported ones whose group `is_short` no longer.
    void reported(const std::function<bool(const std::string& group)>& is_short);
    [[nodiscard]] const std::deque<DepartedWorker>& entries() const noexcept { return entries_; }
    [[nodiscard]] std::uint64_t version() const noexcept { return version_; }

private:
    std::size_t capacity_;
    std::deque<DepartedWorker> entries_;
    std::uint64_t version_ = 0;
};

} // namespace nb::core
