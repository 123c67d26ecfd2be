#pragma once
// Logs the keys of an accepted datagram that have no meaning for a worker
// (core/worker_keys.hpp), with the key, the worker's name, pid and uid, so a
// worker that believes its MAINPID= or FDSTORE=1 did something learns it did
// not. Rate-limited like the drop log: a flood costs counters, not lines. The
// core counts them per key; summary() is the line notify-brokerd logs at exit.
// Thread-safety: the loop thread only.

#include "base/rate_limited_log.hpp"
#include "core/broker.hpp"

#include <nb/proto/message.hpp>

#include <string>

namespace nb::daemon {

class IgnoredKeyLog {
public:
    /// One line per ignored key of `message` (accepted from `sender`). Never throws.
    void note(const core::Broker& broker, const core::Sender& sender, const proto::Message& message,
              RateLimitedLog::Clock::time_point now) noexcept;

    /// "MAINPID=2 X_*=1" for the rows the core counted; "none" if nothing.
    [[nodiscard]] static std::string summary(const core::Broker& broker);

private:
    /// One key-ignored entry (NB_KEY, NB_WORKER, NB_PID, NB_UID, NB_REASON).
    void note(LogLevel level, const std::string& text, std::string_view worker,
              const core::Sender& sender, std::string_view key, std::string_view reason,
              RateLimitedLog::Clock::time_point now) noexcept;

    RateLimitedLog log_{5, std::chrono::seconds(10)};
};

} // namespace nb::daemon
