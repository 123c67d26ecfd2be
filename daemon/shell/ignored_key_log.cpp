#include "shell/ignored_key_log.hpp"

#include "core/worker_keys.hpp"
#include "shell/log_event.hpp"

namespace nb::daemon {

void IgnoredKeyLog::note(const core::Broker& broker, const core::Sender& sender,
                         const proto::Message& message,
                         RateLimitedLog::Clock::time_point now) noexcept {
    try {
        std::string name;
        for (const std::string& refusal : broker.key_refusals()) {
            if (name.empty()) {
                name = broker.name_for(sender, message).value_or("?");
            }
            note(LogLevel::warning,
                 "refused key from worker " + name + " (pid " + std::to_string(sender.pid) +
                     " uid " + std::to_string(sender.uid) + "): " + refusal,
                 name, sender, refusal.substr(0, refusal.find('=')), "refused", now);
        }
        for (const auto& assignment : message.assignments()) {
            const core::WorkerKey& row = core::worker_key(assignment.key);
            if (row.use != core::KeyUse::ignored) {
                continue;
            }
            // The application's own X_* keys are its business: only at debug.
            const LogLevel level = row.key == "X_*" ? LogLevel::debug : LogLevel::notice;
            if (!log_enabled(level)) {
                continue;
            }
            if (name.empty()) {
                name = broker.name_for(sender, message).value_or("?");
            }
            // The key is a valid environment name (parse() checked it): safe to log.
            note(level,
                 "ignored key " + assignment.key + " from worker " + name + " (pid " +
                     std::to_string(sender.pid) + " uid " + std::to_string(sender.uid) +
                     "): " + std::string(row.meaning),
                 name, sender, assignment.key, "ignored", now);
        }
    } catch (...) {
        // std::bad_alloc while composing a log line: the core counted the key.
    }
}

void IgnoredKeyLog::note(LogLevel level, const std::string& text, std::string_view worker,
                         const core::Sender& sender, std::string_view key, std::string_view reason,
                         RateLimitedLog::Clock::time_point now) noexcept {
    EventFields about;
    about.worker = worker;
    about.unit = sender.unit;
    about.pid = sender.pid;
    about.uid = sender.uid;
    about.key = key;
    about.reason = reason;
    EventFieldText storage;
    std::array<LogField, 7> fields{};
    const std::size_t n = event_fields(about, storage, fields);
    log_.log(level, text, now, message_id(LogEvent::key_ignored),
             std::span<const LogField>(fields.data(), n));
}

std::string IgnoredKeyLog::summary(const core::Broker& broker) {
    std::string text;
    for (const auto& entry : broker.ignored_keys()) {
        if (!text.empty()) {
            text += ' ';
        }
        text += entry.row;
        text += '=';
        text += std::to_string(entry.count);
    }
    return text.empty() ? "none" : text;
}

} // namespace nb::daemon
