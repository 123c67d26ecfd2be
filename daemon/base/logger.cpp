#include "base/logger.hpp"

#include "base/log_sinks.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include <unistd.h>

namespace nb::daemon {
namespace {

std::atomic<LogLevel> threshold{LogLevel::info};

// Bounded so that a hostile STATUS= cannot make one entry huge; a line stays
// below PIPE_BUF (4096), so a non-blocking pipe takes it whole or not at all.
constexpr std::size_t max_line = 2048;
constexpr std::size_t max_field = 512;
constexpr std::size_t max_entry = 6144;

// Set by open_log_target() before threads start, read by every log().
std::unique_ptr<JournalSink> journal_owner;
std::unique_ptr<StderrSink> stderr_owner;
std::atomic<const JournalSink*> journal{nullptr};
std::atomic<const StderrSink*> stderr_sink{nullptr};

std::atomic<std::uint64_t> dropped_total{0};
std::atomic<std::uint64_t> dropped_unreported{0};

/// A fixed buffer that silently stops at its end.
template <std::size_t N>
struct Buffer {
    std::array<char, N> bytes{};
    std::size_t length = 0;

    void raw(std::string_view text) noexcept {
        for (const char c : text) {
            if (length == N) {
                return;
            }
            bytes[length++] = c;
        }
    }
    /// Control characters become spaces: text never makes a line or a field.
    void clean(std::string_view text, std::size_t limit) noexcept {
        for (const char c : text.substr(0, limit)) {
            const auto byte = static_cast<unsigned char>(c);
            raw(std::string_view((byte < 0x20 || byte == 0x7f) ? " " : &c, 1));
        }
    }
};

bool write_line(LogLevel level, std::string_view text) noexcept {
    Buffer<max_line + 8> line;
    const char prefix[4] = {'<', static_cast<char>('0' + static_cast<int>(level)), '>', '\0'};
    line.raw(std::string_view(prefix, 3));
    line.clean(text, max_line);
    line.raw("\n");
    if (const StderrSink* sink = stderr_sink.load()) {
        return sink->write(line.bytes.data(), line.length);
    }
    // Before open_log_target(): as the broker always wrote (one write per line
    // keeps lines whole when several processes share stderr).
    return ::write(STDERR_FILENO, line.bytes.data(), line.length) ==
           static_cast<ssize_t>(line.length);
}

bool send_entry(const JournalSink& sink, LogLevel level, std::string_view text,
                std::string_view message_id, std::span<const LogField> fields) noexcept {
    Buffer<max_entry> entry;
    entry.raw("MESSAGE=");
    entry.clean(text, max_line);
    entry.raw("\nPRIORITY=");
    const char digit = static_cast<char>('0' + static_cast<int>(level));
    entry.raw(std::string_view(&digit, 1));
    entry.raw("\nSYSLOG_IDENTIFIER=notify-brokerd\n");
    if (!message_id.empty()) {
        entry.raw("MESSAGE_ID=");
        entry.clean(message_id, 32);
        entry.raw("\n");
    }
    for (const LogField& field : fields) {
        if (field.value.empty()) {
            continue;
        }
        entry.clean(field.name, 64);
        entry.raw("=");
        entry.clean(field.value, max_field);
        entry.raw("\n");
    }
    return sink.send(entry.bytes.data(), entry.length);
}

bool deliver(LogLevel level, std::string_view text, std::string_view message_id,
             std::span<const LogField> fields) noexcept {
    if (const JournalSink* sink = journal.load()) {
        return send_entry(*sink, level, text, message_id, fields);
    }
    return write_line(level, text);
}

void emit(LogLevel level, std::string_view text, std::string_view message_id,
          std::span<const LogField> fields) noexcept {
    if (const std::uint64_t lost = dropped_unreported.exchange(0); lost > 0) {
        try {
            const std::string notice = std::to_string(lost) +
                                       " log entries dropped: the log did not take them "
                                       "(journal or stderr full)";
            if (!deliver(LogLevel::warning, notice, {}, {})) {
                dropped_unreported.fetch_add(lost);
            }
        } catch (...) {
            // std::bad_alloc: the notice is lost, the count stays in the total.
        }
    }
    if (!deliver(level, text, message_id, fields)) {
        dropped_total.fetch_add(1);
        dropped_unreported.fetch_add(1);
    }
}

} // namespace

void set_log_level(LogLevel level) noexcept {
    threshold.store(level);
}

LogLevel log_level() noexcept {
    return threshold.load();
}

bool log_enabled(LogLevel level) noexcept {
    return static_cast<int>(level) <= static_cast<int>(threshold.load());
}

void open_log_target() noexcept {
    try {
        stderr_owner = std::make_unique<StderrSink>();
        stderr_sink.store(stderr_owner.get());
        if (JournalSink::stderr_is_journal_stream()) {
            open_journal_target(JournalSink::default_path);
        }
    } catch (...) {
        // std::bad_alloc at start-up: stay on plain stderr.
    }
}

bool open_journal_target(const std::string& path) noexcept {
    try {
        auto sink = std::make_unique<JournalSink>(path);
        if (!sink->valid()) {
            return false;
        }
        journal_owner = std::move(sink);
        journal.store(journal_owner.get());
        return true;
    } catch (...) {
        return false;
    }
}

void reset_log_target() noexcept {
    journal.store(nullptr);
    stderr_sink.store(nullptr);
    journal_owner.reset();
    stderr_owner.reset();
    dropped_unreported.store(0);
}

bool logging_to_journal() noexcept {
    return journal.load() != nullptr;
}

std::uint64_t log_entries_dropped() noexcept {
    return dropped_total.load();
}

void log(LogLevel level, std::string_view text) noexcept {
    log(level, text, {}, {});
}

void log(LogLevel level, std::string_view text, std::string_view message_id,
         std::span<const LogField> fields) noexcept {
    if (!log_enabled(level)) {
        return;
    }
    emit(level, text, message_id, fields);
}

} // namespace nb::daemon
