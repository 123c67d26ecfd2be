#pragma once
// One pool-wide reload (issue 15 B): the required workers of the groups that
// reload with the pool (reload_timeout > 0) are waited for by name until each
// has said READY=1 again, or until its group's reload_timeout has passed.
// By name, not by worker: a worker that restarts to reload (a new process, a
// fresh READY=1 under the same name) counts as reloaded. Pure; the broker's
// thread only.

#include "core/broker_config.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nb::core {

class ReloadRound {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    /// A worker waited for: its name, and when its group stops waiting.
    struct Awaited {
        std::string name;
        TimePoint deadline;
    };

    /// systemd signals the units a reload propagates to and the broker in one
    /// transaction, in no fixed order: a worker's RELOADING=1 this long (at
    /// most its group's reload_timeout) before the broker's reload belongs to
    /// it, and a worker that has said READY=1 since has reloaded already.
    static constexpr std::chrono::seconds lookback{5};

    /// No round: nothing awaited, done().
    ReloadRound() = default;
    /// `already`: workers of the round that reloaded before it began (lookback).
    explicit ReloadRound(std::vector<Awaited> awaited, std::size_t already = 0);

    /// A READY=1 under `name` after the round began. False if it was not awaited.
    bool reloaded(std::string_view name);
    /// Moves every awaited name whose deadline is <= now to missed(). True if any.
    bool expire(TimePoint now);
    /// Nothing is awaited any more (reloaded or missed).
    [[nodiscard]] bool done() const noexcept { return awaited_.empty(); }
    [[nodiscard]] std::optional<TimePoint> next_deadline() const noexcept;
    /// "reloading: 2/4 workers reloaded".
    [[nodiscard]] std::string progress() const;
    [[nodiscard]] std::size_t total() const noexcept { return total_; }
    [[nodiscard]] std::size_t reloaded_count() const noexcept {
        return total_ - awaited_.size() - missed_.size();
    }
    /// Names whose group's timeout passed before they said READY=1, in order.
    [[nodiscard]] const std::vector<std::string>& missed() const noexcept { return missed_; }
    /// A missed worker came back later (READY=1): it is no longer named.
    bool came_back(std::string_view name);

private:
    std::vector<Awaited> awaited_;
    std::vector<std::string> missed_;
    std::size_t total_ = 0;
};

/// What happens when a group's reload_timeout passes with workers missing.
[[nodiscard]] std::string_view to_string(ReloadOutcome) noexcept;

} // namespace nb::core
