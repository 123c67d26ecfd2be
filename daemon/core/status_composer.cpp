#include "core/status_composer.hpp"

#include "core/safe_text.hpp"

#include <initializer_list>
#include <utility>

namespace nb::core {
namespace {

constexpr std::string_view ellipsis = "\u2026";

std::string describe(const WorkerNote& note) {
    std::string text = sanitize_text(note.name, 2 * max_quoted_worker_status);
    text += ' ';
    text += note.what;
    // "web-2 starting (starting)" says nothing twice: a worker status that only
    // repeats the state word is left out.
    if (!note.status.empty() && note.status != note.what) {
        text += " (";
        text += sanitize_text(note.status, max_quoted_worker_status);
        text += ')';
    }
    return text;
}

struct Placeholder {
    std::string_view name;
    std::string_view value;
};

// One pass over the format: values are never rescanned, so worker text inside
// {details} cannot smuggle in a "{ready}". Unknown braces stay as they are.
std::string expand(std::string_view format, std::initializer_list<Placeholder> placeholders) {
    std::string out;
    while (!format.empty()) {
        bool replaced = false;
        if (format.front() == '{') {
            for (const auto& placeholder : placeholders) {
                if (format.starts_with(placeholder.name)) {
                    out += placeholder.value;
                    format.remove_prefix(placeholder.name.size());
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) {
            out += format.front();
            format.remove_prefix(1);
        }
    }
    return out;
}

} // namespace

StatusComposer::StatusComposer(std::string format, std::size_t max_length)
    : format_(std::move(format))
    , max_length_(max_length) {}

std::string StatusComposer::details(const StatusFacts& facts) {
    std::string text;
    for (const auto& note : facts.notes) {
        if (!text.empty()) {
            text += "; ";
        }
        text += sanitize_text(note, max_upstream_status_length);
    }
    if (!facts.workers.empty() && !text.empty()) {
        text += "; ";
    }
    for (std::size_t i = 0; i < facts.workers.size() && i < max_listed_workers; ++i) {
        if (i != 0) {
            text += ", ";
        }
        text += describe(facts.workers[i]);
    }
    if (facts.workers.size() > max_listed_workers) {
        text += ", +" + std::to_string(facts.workers.size() - max_listed_workers) + " more";
    }
    return text;
}

std::string StatusComposer::compose(const StatusFacts& facts) const {
    const std::string ready = std::to_string(facts.counts.ready);
    const std::string expected = std::to_string(facts.counts.expected);
    const std::string detail_text = details(facts);
    std::string text;
    if (format_.empty()) {
        text = ready + '/' + expected + " workers ready";
        if (!detail_text.empty()) {
            text += "; " + detail_text;
        }
    } else {
        text = expand(format_, {{"{ready}", ready},
                                {"{expected}", expected},
                                {"{state}", to_string(facts.state)},
                                {"{details}", detail_text}});
    }
    // The configured format is trusted but may still hold a newline or bad UTF-8.
    std::string safe = sanitize_text(text, text.size());
    if (safe.size() <= max_length_) {
        return safe;
    }
    const std::size_t room = max_length_ > ellipsis.size() ? max_length_ - ellipsis.size() : 0;
    std::string cut(truncate_utf8(safe, room));
    if (cut.size() + ellipsis.size() <= max_length_) {
        cut += ellipsis;
    }
    return cut;
}

} // namespace nb::core
