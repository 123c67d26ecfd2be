#include "core/worker_registry.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace nb::core {
namespace {

template <class Map, class Key>
Worker* lookup(Map& map, const Key& key) noexcept {
    const auto found = map.find(key);
    return found == map.end() ? nullptr : found->second;
}

// The first registered of the workers under `key`.
template <class Map, class Key>
Worker* first_of(Map& map, const Key& key) noexcept {
    Worker* first = nullptr;
    const auto [begin, end] = map.equal_range(key);
    for (auto it = begin; it != end; ++it) {
        if (first == nullptr || it->second->id < first->id) {
            first = it->second;
        }
    }
    return first;
}

template <class Map, class Key>
std::vector<Worker*> all_of(Map& map, const Key& key) {
    std::vector<Worker*> found;
    const auto [begin, end] = map.equal_range(key);
    for (auto it = begin; it != end; ++it) {
        found.push_back(it->second);
    }
    std::sort(found.begin(), found.end(),
              [](const Worker* a, const Worker* b) { return a->id < b->id; });
    return found;
}

} // namespace

WorkerRegistry::WorkerRegistry(std::size_t group_count) : tallies_(group_count) {}

Worker* WorkerRegistry::find(WorkerId id) noexcept {
    const auto found = workers_.find(id);
    return found == workers_.end() ? nullptr : &found->second;
}

Worker* WorkerRegistry::find_sender(const Sender& sender) noexcept {
    return sender.source == Source::dbus ? find_bus_name(sender.bus_name) : find_pid(sender.pid);
}

Worker* WorkerRegistry::find_pid(pid_t pid) noexcept {
    return first_of(by_pid_, pid);
}

Worker* WorkerRegistry::find_bus_name(const std::string& bus_name) noexcept {
    return first_of(by_bus_name_, bus_name);
}

std::vector<Worker*> WorkerRegistry::of_sender(const Sender& sender) {
    return sender.source == Source::dbus ? of_bus_name(sender.bus_name) : of_pid(sender.pid);
}

std::vector<Worker*> WorkerRegistry::of_pid(pid_t pid) {
    return all_of(by_pid_, pid);
}

std::vector<Worker*> WorkerRegistry::of_bus_name(const std::string& bus_name) {
    return all_of(by_bus_name_, bus_name);
}

Worker* WorkerRegistry::find_name(const std::string& name) noexcept {
    return lookup(by_name_, name);
}

Worker& WorkerRegistry::add(Worker worker) {
    worker.id = next_id_++;
    auto [slot, inserted] = workers_.emplace(worker.id, std::move(worker));
    Worker& added = slot->second;
    try {
        index(added);
        by_name_.emplace(added.name, &added);
    } catch (...) {
        unindex(added);
        erase_name(added);
        workers_.erase(slot);
        throw;
    }
    count(added, +1);
    ++version_;
    return added;
}

void WorkerRegistry::rebind(Worker& worker, const Sender& sender) {
    unindex(worker);
    worker.source = sender.source;
    worker.pid = sender.pid;
    worker.uid = sender.uid;
    worker.bus_name = sender.source == Source::dbus ? sender.bus_name : std::string();
    worker.unit = sender.unit;
    worker.follows_unit = false;
    index(worker);
    ++version_;
}

void WorkerRegistry::follow_unit(Worker& worker) noexcept {
    unindex(worker);
    worker.follows_unit = true;
}

void WorkerRegistry::set_state(Worker& worker, WorkerState state, LateReason late) {
    if (worker.state == state && worker.late == late) {
        return;
    }
    count(worker, -1);
    worker.state = state;
    worker.late = late;
    count(worker, +1);
    ++version_;
}

void WorkerRegistry::set_status(Worker& worker, std::string status) {
    if (worker.status != status) {
        worker.status = std::move(status);
        ++version_;
    }
}

Worker WorkerRegistry::remove(WorkerId id) {
    auto found = workers_.find(id);
    if (found == workers_.end()) {
        // Callers pass ids they just found; moving out of end() would be
        // undefined behaviour (GCC 14 sees the path: -Wnull-dereference).
        throw std::out_of_range("no worker with id " + std::to_string(id));
    }
    unindex(found->second);
    erase_name(found->second);
    count(found->second, -1);
    Worker removed = std::move(found->second);
    workers_.erase(found);
    ++version_;
    return removed;
}

std::vector<const Worker*> WorkerRegistry::in_order() const {
    std::vector<const Worker*> ordered;
    ordered.reserve(workers_.size());
    for (const auto& [id, worker] : workers_) {
        ordered.push_back(&worker);
    }
    std::sort(ordered.begin(), ordered.end(),
              [](const Worker* a, const Worker* b) { return a->id < b->id; });
    return ordered;
}

void WorkerRegistry::count(const Worker& worker, int sign) noexcept {
    if (worker.group >= tallies_.size()) {
        return;
    }
    const auto add = [sign](unsigned& counter) {
        counter = sign > 0 ? counter + 1 : counter - 1;
    };
    GroupTally& tally = tallies_[worker.group];
    add(tally.live);
    if (worker.state == WorkerState::ready) {
        add(tally.ready);
    } else if (worker.state == WorkerState::late) {
        add(tally.late);
    }
}

void WorkerRegistry::recount(std::size_t group_count) {
    tallies_.assign(group_count, GroupTally{});
    for (const auto& [id, worker] : workers_) {
        count(worker, +1);
    }
    ++version_;
}

void WorkerRegistry::index(Worker& worker) {
    if (worker.source == Source::dbus) {
        by_bus_name_.emplace(worker.bus_name, &worker);
    } else if (!worker.follows_unit && worker.source != Source::probe) {
        by_pid_.emplace(worker.pid, &worker);
    }
}

namespace {

// Erases only an entry that points at this worker: a takeover may already have
// given its pid or name to someone else.
template <class Map, class Key>
void erase_own(Map& map, const Key& key, const Worker& worker) noexcept {
    const auto [begin, end] = map.equal_range(key);
    for (auto it = begin; it != end; ++it) {
        if (it->second == &worker) {
            map.erase(it);
            return;
        }
    }
}

} // namespace

void WorkerRegistry::unindex(const Worker& worker) noexcept {
    if (worker.source == Source::dbus) {
        erase_own(by_bus_name_, worker.bus_name, worker);
    } else if (!worker.follows_unit && worker.source != Source::probe) {
        erase_own(by_pid_, worker.pid, worker);
    }
}

void WorkerRegistry::erase_name(const Worker& worker) noexcept {
    erase_own(by_name_, worker.name, worker);
}

} // namespace nb::core
