#include "shell/log_event.hpp"

#include <charconv>
#include <string>

namespace nb::daemon {
namespace {

struct EventRow {
    std::string_view name;
    std::string_view id;
};

// Never change an id: the catalog and the users' searches name them.
constexpr std::array<EventRow, log_event_count> rows{{
    {"worker-ready", "5126cd5c84bb4533bfee080e24c2a19e"},
    {"worker-late", "e6e652a7578c429ead9cdd0a7137766b"},
    {"worker-gone", "4a976fe7233b48d08d7bc82ae8478522"},
    {"datagram-dropped", "16d40ff7f8d44975a6f5394de0739e80"},
    {"sender-rate-limited", "d4c15d6f385d4359b250f77c8413a681"},
    {"key-ignored", "b216c7d564d04863b45f50fb60f5bbda"},
    {"reload-done", "b7c68486765a47c3a532917b4902eb9e"},
    {"reload-failed", "1ec99701d83e4f088eed991545f275d4"},
    {"state-restored", "c923466c415b4034bf4bd7c5af999943"},
    {"pool-ready", "108a2393c3e043bc8d80b5a32c908854"},
    {"pool-degraded", "d84c4826369b448c988285e57c2f6ffd"},
    {"pool-stopping", "1777a1e6d82b4ce5a27d4f85c7ad67d7"},
}};

std::string_view number(std::array<char, 24>& buffer, unsigned long long value) noexcept {
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return ec == std::errc() ? std::string_view(buffer.data(), end - buffer.data())
                             : std::string_view();
}

} // namespace

std::string_view message_id(LogEvent event) noexcept {
    return rows[static_cast<std::size_t>(event)].id;
}

std::string_view to_string(LogEvent event) noexcept {
    return rows[static_cast<std::size_t>(event)].name;
}

LogEvent log_event_for(core::BrokerEvent::Kind kind) noexcept {
    using Kind = core::BrokerEvent::Kind;
    switch (kind) {
    case Kind::worker_ready:
        return LogEvent::worker_ready;
    case Kind::worker_late:
        return LogEvent::worker_late;
    case Kind::worker_gone:
        return LogEvent::worker_gone;
    case Kind::pool_ready:
        return LogEvent::pool_ready;
    case Kind::pool_degraded:
        return LogEvent::pool_degraded;
    case Kind::pool_stopping:
        break;
    }
    return LogEvent::pool_stopping;
}

std::size_t event_fields(const EventFields& fields, EventFieldText& text,
                         std::array<LogField, 7>& out) noexcept {
    std::size_t n = 0;
    const auto add = [&](std::string_view name, std::string_view value) {
        if (!value.empty()) {
            out[n++] = LogField{name, value};
        }
    };
    add("NB_WORKER", fields.worker);
    add("NB_GROUP", fields.group);
    add("NB_UNIT", fields.unit);
    if (fields.pid > 0) {
        add("NB_PID", number(text.pid, static_cast<unsigned long long>(fields.pid)));
    }
    if (fields.uid) {
        add("NB_UID", number(text.uid, *fields.uid));
    }
    add("NB_REASON", fields.reason);
    add("NB_KEY", fields.key);
    return n;
}

void log_event(LogLevel level, LogEvent event, const EventFields& fields,
               std::string_view text) noexcept {
    if (!log_enabled(level)) {
        return;
    }
    EventFieldText storage;
    std::array<LogField, 7> list{};
    const std::size_t n = event_fields(fields, storage, list);
    log(level, text, message_id(event), std::span<const LogField>(list.data(), n));
}

void log_broker_event(const core::BrokerEvent& event) noexcept {
    using Kind = core::BrokerEvent::Kind;
    const bool bad = event.kind == Kind::worker_late || event.kind == Kind::pool_degraded;
    const LogLevel level = bad ? LogLevel::warning
                           : event.kind == Kind::pool_ready || event.kind == Kind::pool_stopping
                               ? LogLevel::notice
                               : LogLevel::info;
    if (!log_enabled(level)) {
        return;
    }
    try {
        std::string text;
        switch (event.kind) {
        case Kind::worker_ready:
            text = "worker " + event.worker + " is ready";
            break;
        case Kind::worker_late:
            text = "worker " + event.worker + " is late (" + event.reason + ")";
            break;
        case Kind::worker_gone:
            text = "worker " + event.worker + " is gone (" + event.reason + ")";
            break;
        case Kind::pool_ready:
            text = "pool ready";
            break;
        case Kind::pool_degraded:
            text = "pool degraded";
            break;
        case Kind::pool_stopping:
            text = "pool stopping";
            break;
        }
        if (!event.worker.empty()) {
            text += " (pid " + std::to_string(event.pid) + " uid " + std::to_string(event.uid);
            text += event.group.empty() ? ")" : ", group " + event.group + ")";
        }
        EventFields fields;
        fields.worker = event.worker;
        fields.group = event.group;
        fields.unit = event.unit;
        fields.pid = event.pid;
        if (!event.worker.empty()) {
            fields.uid = event.uid;
        }
        fields.reason = event.reason;
        log_event(level, log_event_for(event.kind), fields, text);
    } catch (...) {
        // std::bad_alloc while composing a log line: nothing else depends on it.
    }
}

} // namespace nb::daemon
