#pragma once
// The kinds of event notify-brokerd logs with a MESSAGE_ID of their own, so
// that `journalctl MESSAGE_ID=...` finds them and `journalctl -x` explains them
// (the catalog: catalog/notify-broker.catalog, one entry per id below), and the
// NB_* fields each entry carries where they apply.
// Thread-safety: pure functions; log_event() as base/logger.hpp's log().

#include "base/logger.hpp"
#include "core/broker_event.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include <sys/types.h>

namespace nb::daemon {

enum class LogEvent {
    worker_ready,
    worker_late,
    worker_gone,
    datagram_dropped,
    sender_rate_limited,
    key_ignored,
    reload_done,
    reload_failed,
    state_restored,
    pool_ready,
    pool_degraded,
    pool_stopping,
};
inline constexpr std::size_t log_event_count = 12;

/// The 128-bit MESSAGE_ID, as 32 lower-case hex digits.
[[nodiscard]] std::string_view message_id(LogEvent event) noexcept;
/// worker-ready, datagram-dropped, ...: for the catalog test and the docs.
[[nodiscard]] std::string_view to_string(LogEvent event) noexcept;
[[nodiscard]] LogEvent log_event_for(core::BrokerEvent::Kind kind) noexcept;

/// What an entry is about; empty or unset members are left out.
struct EventFields {
    std::string_view worker;  ///< NB_WORKER
    std::string_view group;   ///< NB_GROUP
    std::string_view unit;    ///< NB_UNIT
    pid_t pid = 0;            ///< NB_PID (0: none)
    std::optional<uid_t> uid; ///< NB_UID
    std::string_view reason;  ///< NB_REASON
    std::string_view key;     ///< NB_KEY
};

/// Numbers as text for the fields: storage that outlives the LogField views.
struct EventFieldText {
    std::array<char, 24> pid{};
    std::array<char, 24> uid{};
};

/// The journal fields of `fields` (at most 7), viewing `text`'s buffers.
[[nodiscard]] std::size_t event_fields(const EventFields& fields, EventFieldText& text,
                                       std::array<LogField, 7>& out) noexcept;

void log_event(LogLevel level, LogEvent event, const EventFields& fields,
               std::string_view text) noexcept;

/// The entry for one core event (worker ready/late/gone, pool state).
void log_broker_event(const core::BrokerEvent& event) noexcept;

} // namespace nb::daemon
