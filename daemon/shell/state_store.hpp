#pragma once
// Keeps the pool's state in systemd's fd store, so that a broker that crashes
// (SIGKILL, a watchdog kill) and is restarted by systemd takes it over
// (state_restore.hpp): a snapshot of the worker table in a sealed memfd
// (nb-state.0/1, fd_store_names.hpp) and the workers' pidfds (nb-pidfd-PID),
// which pin each process against pid reuse and drop out of the store by
// themselves (EPOLLHUP) once it is reaped.
//
// A save follows every change of the worker table, at most one per interval
// (the pool's status_interval, at least 100 ms): a STATUS flood costs one
// memfd per interval, not one per datagram.
//
// Never blocks the loop: every FDSTORE=1 / FDSTOREREMOVE=1 goes into the
// upstream's fd store queue (shell/upstream.hpp, core/fd_store_queue.hpp) with
// a dup of its fd, sent in order when PID 1 reads. While a snapshot waits
// there, the next one takes its place (same slot, same sequence): only the
// newest state goes. What the queue's bound refuses (pidfd adds and removes
// beyond 64 waiting) stays undone here and is asked again one interval later.
// Thread-safety: the loop thread only.

#include "base/deadline_timer.hpp"
#include "core/broker.hpp"
#include "shell/process_watcher.hpp"
#include "shell/state_restore.hpp"
#include "shell/unit_workers.hpp"
#include "shell/upstream.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace nb::daemon {

/// FileDescriptorStoreMax as systemd >= 254 passes it in $FDSTORE (the unit
/// sets the variable itself for systemd 252). Unsets it. 0: no fd store.
[[nodiscard]] unsigned fd_store_capacity_from_environment();

class StateStore {
public:
    /// upstream: where the store's datagrams go (its fd store queue); no socket
    /// that can pass fds (unset, vsock) or capacity < 2 disables the store
    /// (every call then does nothing). Throws std::runtime_error if libuv
    /// refuses the timer.
    /// units: where a worker following its unit is watched, for the cgroup
    /// its restore follows again (nullptr: such workers are saved without it
    /// and not restored).
    StateStore(uv_loop_t* loop, core::Broker& broker, const ProcessWatcher& processes,
               Upstream& upstream, unsigned capacity, const UnitWorkers* units = nullptr);
    StateStore(const StateStore&) = delete;
    StateStore& operator=(const StateStore&) = delete;

    /// What the store holds after a restore: numbering continues after it, and
    /// pidfds of workers that are gone are removed at the next save.
    void adopt(const RestoredState& restored);
    /// After every broker event: schedules a save if the table changed.
    void changed() noexcept;
    void close() noexcept { timer_.close(); }

    [[nodiscard]] bool enabled() const noexcept { return enabled_; }
    [[nodiscard]] std::uint64_t saves() const noexcept { return saves_; }

private:
    struct Identity {
        std::uint64_t inode = 0;
        std::uint64_t start_time = 0;
    };

    void save() noexcept;
    void save_snapshot(core::TimePoint now);
    [[nodiscard]] Identity identity_of(pid_t pid);
    void store_pidfds(const std::unordered_map<pid_t, std::uint64_t>& wanted);
    [[nodiscard]] std::chrono::milliseconds interval() const noexcept;

    core::Broker& broker_;
    const ProcessWatcher& processes_;
    const UnitWorkers* units_;
    Upstream& upstream_;
    DeadlineTimer timer_;
    bool enabled_;
    std::size_t pidfd_budget_;
    std::uint64_t sequence_ = 0;
    std::uint64_t saved_generation_ = ~std::uint64_t{0};
    std::optional<core::TimePoint> last_save_;
    std::uint64_t saves_ = 0;
    /// pid -> pidfs inode (0 unknown) of the pidfd stored as nb-pidfd-PID.
    std::unordered_map<pid_t, std::uint64_t> stored_pidfds_;
    std::unordered_map<pid_t, Identity> identities_;
    std::size_t logged_workers_ = ~std::size_t{0};
    unsigned logged_ready_ = ~0U;
    bool failure_logged_ = false;
    /// The queue refused something at the last save: save again one interval on.
    bool refused_ = false;
    bool refusing_ = false; ///< refused_ at the save before: logged once per stall
};

} // namespace nb::daemon
