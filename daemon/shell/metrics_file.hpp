#pragma once
// The broker's metrics kept in a file for node_exporter's textfile collector
// (`metrics_file` in the config): rendered by proto/metrics.hpp, in the
// Prometheus text format the collector reads. Written at most once per period
// (the status interval, at least 1 s), only when the text changed, and
// atomically: into "<path>.tmp", then rename(2), so the collector never reads
// half a file. No fsync: the file is rewritten within a second and a lost
// version after a power cut is harmless, while an fsync on a busy disk would
// stall the loop. While the file is on, the broker wakes once per period
// (ping ages move without events).
// Thread-safety: the loop thread only.

#include "base/deadline_timer.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nb::daemon {

class MetricsFile {
public:
    using Render = std::function<std::string()>;

    /// Throws std::runtime_error if the timer cannot be made.
    MetricsFile(uv_loop_t* loop, std::string path, std::chrono::milliseconds period, Render render);

    /// Writes the first version now and every change after, once per period.
    void start() noexcept;
    void close() noexcept;

    /// Renders, and writes if the text differs from the last written. False if
    /// writing failed (logged, rate-limited by the period).
    bool write_if_changed() noexcept;
    [[nodiscard]] std::uint64_t writes() const noexcept { return writes_; }

private:
    void on_timer() noexcept;

    std::string path_;
    std::chrono::milliseconds period_;
    Render render_;
    std::unique_ptr<DeadlineTimer> timer_;
    std::string last_;
    std::uint64_t writes_ = 0;
    bool failing_ = false;
};

} // namespace nb::daemon
