#pragma once
// How many upstream messages carried each kind of key (READY=1, STATUS=, ...),
// counted where the shell drains the core's outbox, for the metrics
// (nb_upstream_messages_total{kind}).
// Thread-safety: the loop thread only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nb::daemon {

class UpstreamCounts {
public:
    /// The kinds, as the metrics' label values.
    static constexpr std::array<std::string_view, 7> kinds{
        "ready", "reloading", "stopping", "status", "watchdog", "extend_timeout", "other"};

    /// Counts each key line of one serialized payload ("READY=1\nSTATUS=...").
    void count(std::string_view payload) noexcept;
    [[nodiscard]] std::uint64_t of(std::size_t kind) const noexcept { return counts_[kind]; }

private:
    std::array<std::uint64_t, kinds.size()> counts_{};
};

} // namespace nb::daemon
