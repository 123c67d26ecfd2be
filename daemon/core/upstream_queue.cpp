#include "core/upstream_queue.hpp"

#include <algorithm>
#include <array>

namespace nb::core {
namespace {

/// The keys that say where the service is; each change is an event of its own.
constexpr std::array<std::string_view, 3> lifecycle_lines = {"READY=1", "RELOADING=1",
                                                             "STOPPING=1"};
/// The keys whose newest value is all that matters.
constexpr std::array<std::string_view, 3> replaceable_keys = {"STATUS", "EXTEND_TIMEOUT_USEC",
                                                              "WATCHDOG"};

std::string_view key_of(std::string_view line) noexcept {
    return line.substr(0, line.find('='));
}

bool is_replaceable(std::string_view line) noexcept {
    const auto key = key_of(line);
    return std::find(replaceable_keys.begin(), replaceable_keys.end(), key) !=
           replaceable_keys.end();
}

std::vector<std::string> split_lines(std::string_view datagram) {
    std::vector<std::string> lines;
    while (!datagram.empty()) {
        const auto end = datagram.find('\n');
        const auto line = datagram.substr(0, end);
        if (!line.empty()) {
            lines.emplace_back(line);
        }
        if (end == std::string_view::npos) {
            break;
        }
        datagram.remove_prefix(end + 1);
    }
    return lines;
}

} // namespace

UpstreamQueue::UpstreamQueue(std::size_t max_datagrams)
    : max_datagrams_(std::max<std::size_t>(max_datagrams, 1)) {}

void UpstreamQueue::push(std::string_view datagram) {
    Entry entry;
    entry.lines = split_lines(datagram);
    if (entry.lines.empty()) {
        return;
    }
    entry.lifecycle = std::any_of(entry.lines.begin(), entry.lines.end(), [](const auto& line) {
        return std::find(lifecycle_lines.begin(), lifecycle_lines.end(), line) !=
               lifecycle_lines.end();
    });
    remove_superseded(entry.lines);
    if (!entry.lifecycle && !entries_.empty() && !entries_.back().lifecycle) {
        // Two datagrams of replaceable keys in a row: one datagram says both.
        auto& last = entries_.back().lines;
        last.insert(last.end(), entry.lines.begin(), entry.lines.end());
        return;
    }
    entries_.push_back(std::move(entry));
    while (entries_.size() > max_datagrams_) {
        entries_.pop_front();
        ++overflowed_;
    }
}

void UpstreamQueue::remove_superseded(const std::vector<std::string>& lines) {
    std::vector<std::string_view> keys;
    for (const auto& line : lines) {
        if (is_replaceable(line)) {
            keys.push_back(key_of(line));
        }
    }
    if (keys.empty()) {
        return;
    }
    for (auto& entry : entries_) {
        const auto removed = std::erase_if(entry.lines, [&keys](const std::string& line) {
            return std::find(keys.begin(), keys.end(), key_of(line)) != keys.end();
        });
        superseded_ += removed;
    }
    std::erase_if(entries_, [](const Entry& entry) { return entry.lines.empty(); });
}

std::string UpstreamQueue::front() const {
    std::string text;
    for (const auto& line : entries_.front().lines) {
        if (!text.empty()) {
            text += '\n';
        }
        text += line;
    }
    return text;
}

bool UpstreamQueue::front_is_lifecycle() const noexcept {
    return !entries_.empty() && entries_.front().lifecycle;
}

void UpstreamQueue::pop() noexcept {
    if (!entries_.empty()) {
        entries_.pop_front();
    }
}

} // namespace nb::core
