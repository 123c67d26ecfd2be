#pragma once
// The live workers, found in O(1) by pid, by unique bus name and by name, with
// per-group tallies kept up to date on every change so the readiness rule costs
// O(groups), not O(workers). Thread-safety: none; the broker's thread only.
//
// Pointers returned stay valid until that worker is removed.

#include "core/worker.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace nb::core {

struct GroupTally {
    unsigned live = 0;
    unsigned ready = 0;
    unsigned late = 0;
};

class WorkerRegistry {
public:
    explicit WorkerRegistry(std::size_t group_count);

    [[nodiscard]] Worker* find(WorkerId id) noexcept;
    /// By pid for socket and spawned senders, by bus name for D-Bus ones.
    [[nodiscard]] Worker* find_sender(const Sender& sender) noexcept;
    [[nodiscard]] Worker* find_pid(pid_t pid) noexcept;
    [[nodiscard]] Worker* find_bus_name(const std::string& bus_name) noexcept;
    [[nodiscard]] Worker* find_name(const std::string& name) noexcept;

    /// Adds a worker; precondition: its name and sender are not taken. Assigns the id.
    Worker& add(Worker worker);
    /// Moves `worker` to a new sender (the same name from a new process).
    void rebind(Worker& worker, const Sender& sender);
    /// The worker lives as long as its unit from now on: it is no longer found
    /// by its pid (which stays in the record, for the table).
    void follow_unit(Worker& worker) noexcept;
    void set_state(Worker& worker, WorkerState state, LateReason late = LateReason::none);
    void set_status(Worker& worker, std::string status);
    /// Removes and returns the worker. Throws std::out_of_range for an unknown id.
    Worker remove(WorkerId id);
    /// Re-assigns every worker's group (a reload changed the groups).
    template <class GroupOf>
    void regroup(std::size_t group_count, GroupOf group_of) {
        for (auto& [id, worker] : workers_) {
            worker.group = group_of(worker);
        }
        recount(group_count);
    }

    [[nodiscard]] std::size_t size() const noexcept { return workers_.size(); }
    [[nodiscard]] const std::vector<GroupTally>& tallies() const noexcept { return tallies_; }
    /// Every worker, in registration order.
    [[nodiscard]] std::vector<const Worker*> in_order() const;
    /// Grows on every change a STATUS or the worker table could show.
    [[nodiscard]] std::uint64_t version() const noexcept { return version_; }

private:
    void count(const Worker& worker, int sign) noexcept;
    void recount(std::size_t group_count);
    void index(Worker& worker);
    void unindex(const Worker& worker) noexcept;
    void erase_name(const Worker& worker) noexcept;

    WorkerId next_id_ = 1;
    std::uint64_t version_ = 0;
    // unordered_map nodes never move, so the indexes hold plain pointers.
    std::unordered_map<WorkerId, Worker> workers_;
    std::unordered_map<pid_t, Worker*> by_pid_;
    std::unordered_map<std::string, Worker*> by_bus_name_;
    std::unordered_map<std::string, Worker*> by_name_;
    std::vector<GroupTally> tallies_;
};

} // namespace nb::core
