#pragma once
// What the broker's own metrics_file renders (proto/metrics.hpp), taken from
// the same Broker and Daemon::counters() as the D-Bus properties that
// `notify-broker metrics` reads: one source of numbers for both.
// Thread-safety: the loop thread only.

#include "core/broker.hpp"

#include <nb/proto/metrics.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace nb::daemon {

[[nodiscard]] proto::MetricsInput metrics_input(const core::Broker& broker,
                                                std::map<std::string, std::uint64_t> counters,
                                                core::TimePoint now);

} // namespace nb::daemon
