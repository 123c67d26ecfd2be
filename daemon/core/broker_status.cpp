// Broker: the consolidated state as facts for the one line of STATUS
// (status_composer.cpp renders them): the counts, the broker's own notes
// (reloading, restart needed, who did not reload) and the workers that keep
// the pool from being whole, required groups first.
#include "core/broker_impl.hpp"
#include "core/safe_text.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nb::core {

StatusFacts Broker::Impl::facts() const {
    StatusFacts facts;
    facts.counts = rule().counts(registry.tallies());
    facts.state = state;
    if (state == BrokerState::reloading) {
        facts.notes.emplace_back(reload_waiting ? reload_round.progress() : "reloading");
    }
    if (!restart_needed.empty()) {
        std::string keys = "restart needed for ";
        for (std::size_t i = 0; i < restart_needed.size(); ++i) {
            keys += (i == 0 ? "" : ", ") + restart_needed[i];
        }
        facts.notes.push_back(std::move(keys));
    }
    if (!reload_round.missed().empty()) {
        std::string missed = "did not reload: ";
        for (std::size_t i = 0; i < reload_round.missed().size(); ++i) {
            if (i == max_listed_workers) {
                missed += ", +" + std::to_string(reload_round.missed().size() - i) + " more";
                break;
            }
            missed += (i == 0 ? "" : ", ") + sanitize_text(reload_round.missed()[i], 64);
        }
        facts.notes.push_back(std::move(missed));
    }
    if (!reload_error.empty()) {
        facts.notes.push_back("reload failed, old config kept: " + reload_error);
    }
    if (state == BrokerState::stopping) {
        facts.notes.emplace_back("stopping");
    }
    struct Listed {
        bool required;
        WorkerId id;
        WorkerNote note;
    };
    std::vector<Listed> listed;
    for (const Worker* worker : registry.in_order()) {
        if (worker->state == WorkerState::ready || worker->group >= config.groups.size()) {
            continue;
        }
        // "web-2 failed: errno 13" for a worker that said what went wrong.
        const std::string_view what =
            worker->failure_note.empty() ? to_string(worker->state) : worker->failure_note;
        listed.push_back({config.groups[worker->group].required, worker->id,
                          WorkerNote{worker->name, what, worker->status}});
    }
    const auto& tallies = registry.tallies();
    for (const auto& entry : departed.entries()) {
        const GroupConfig* group = group_named(entry.info.group);
        if (group == nullptr || !rule().is_short(entry.info.group, tallies)) {
            continue;
        }
        const std::string_view what = entry.info.state == WorkerState::gone ? "gone" : "stopped";
        listed.push_back(
            {group->required, entry.id, WorkerNote{entry.info.name, what, entry.info.status}});
    }
    std::stable_sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) {
        return a.required != b.required ? a.required : a.id < b.id;
    });
    for (const auto& item : listed) {
        facts.workers.push_back(item.note);
    }
    return facts;
}

const std::string& Broker::Impl::status_text() const {
    if (status_cache_version != version()) {
        status_cache = composer.compose(facts());
        status_cache_version = version();
    }
    return status_cache;
}

} // namespace nb::core
