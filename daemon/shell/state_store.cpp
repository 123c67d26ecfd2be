#include "shell/state_store.hpp"

#include "base/logger.hpp"
#include "base/sealed_memfd.hpp"
#include "core/state_codec.hpp"
#include "shell/fd_store_names.hpp"
#include "shell/process_start_time.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include <fcntl.h>

namespace nb::daemon {
namespace {

/// Two state slots; the rest of FileDescriptorStoreMax is for pidfds.
constexpr unsigned state_slots = 2;
constexpr std::chrono::milliseconds min_interval{100};

core::TimePoint now() noexcept {
    return std::chrono::steady_clock::now();
}

} // namespace

unsigned fd_store_capacity_from_environment() {
    const char* text = std::getenv("FDSTORE");
    unsigned capacity = 0;
    if (text != nullptr) {
        const std::string_view value(text);
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), capacity);
        if (ec != std::errc{} || ptr != value.data() + value.size()) {
            log(LogLevel::warning,
                "FDSTORE='" + std::string(value) + "' is not a number; no fd store");
            capacity = 0;
        }
    }
    ::unsetenv("FDSTORE");
    return capacity;
}

StateStore::StateStore(uv_loop_t* loop, core::Broker& broker, const ProcessWatcher& processes,
                       Upstream& upstream, unsigned capacity, const UnitWorkers* units)
    : broker_(broker)
    , processes_(processes)
    , units_(units)
    , upstream_(upstream)
    , timer_(loop, [this] { save(); })
    , enabled_(upstream.can_pass_fds() && capacity >= state_slots)
    , pidfd_budget_(enabled_ ? capacity - state_slots : 0) {
    if (upstream.has_socket() && !upstream.can_pass_fds() && capacity >= state_slots) {
        log(LogLevel::warning, "fd store: off, NOTIFY_SOCKET=" + upstream.address() +
                                   " cannot pass fds (only an AF_UNIX socket can)");
    }
}

void StateStore::adopt(const RestoredState& restored) {
    sequence_ = std::max(sequence_, restored.sequence);
    stored_pidfds_ = restored.stored_pidfds;
}

std::chrono::milliseconds StateStore::interval() const noexcept {
    return std::max<std::chrono::milliseconds>(min_interval, broker_.config().status_interval);
}

void StateStore::changed() noexcept {
    if (!enabled_ || broker_.generation() == saved_generation_ || timer_.armed_for()) {
        return;
    }
    const core::TimePoint at = last_save_ ? std::max(now(), *last_save_ + interval()) : now();
    timer_.arm(at);
}

StateStore::Identity StateStore::identity_of(pid_t pid) {
    const int pidfd = processes_.pidfd_of(pid);
    const std::uint64_t inode = pidfd >= 0 ? process_identity(pidfd).value_or(0) : 0;
    auto found = identities_.find(pid);
    if (found == identities_.end() || (inode != 0 && found->second.inode != inode)) {
        Identity identity;
        identity.inode = inode;
        identity.start_time = read_start_time(pid).value_or(0);
        found = identities_.insert_or_assign(pid, identity).first;
    }
    return found->second;
}

void StateStore::save() noexcept {
    try {
        refused_ = false;
        save_snapshot(now());
    } catch (...) {
        log(LogLevel::err, "fd store: saving the state failed (out of memory)");
    }
    if (refused_) {
        // The queue was full (PID 1 has not read for a while): what it refused
        // is still undone here; ask again once it may have room.
        if (!refusing_) {
            log(LogLevel::notice,
                "fd store: " + std::to_string(upstream_.fd_store().size()) +
                    " datagrams wait for systemd already; pidfd changes beyond them are asked "
                    "again every " +
                    std::to_string(interval().count()) + " ms");
        }
        saved_generation_ = ~std::uint64_t{0};
        timer_.arm(now() + interval());
    }
    refusing_ = refused_;
}

void StateStore::store_pidfds(const std::unordered_map<pid_t, std::uint64_t>& wanted) {
    FdStoreQueue& queue = upstream_.fd_store();
    for (auto it = stored_pidfds_.begin(); it != stored_pidfds_.end();) {
        const auto want = wanted.find(it->first);
        if (want != wanted.end() && want->second == it->second) {
            ++it;
        } else if (queue.remove(fd_store::pidfd_name(it->first))) {
            it = stored_pidfds_.erase(it);
        } else {
            refused_ = true; // still stored as far as systemd knows
            ++it;
        }
    }
    for (const auto& [pid, inode] : wanted) {
        if (stored_pidfds_.size() >= pidfd_budget_) {
            break; // the rest are checked by pidfs inode or start time on restore
        }
        const int pidfd = processes_.pidfd_of(pid);
        if (pidfd < 0 || stored_pidfds_.contains(pid)) {
            continue;
        }
        // A dup of its own: the watcher closes its pidfd when the worker goes,
        // maybe before PID 1 reads this.
        UniqueFd copy(::fcntl(pidfd, F_DUPFD_CLOEXEC, 0));
        if (!copy) {
            refused_ = true; // out of fds for now
            continue;
        }
        if (queue.store(fd_store::pidfd_name(pid), std::move(copy))) {
            stored_pidfds_.emplace(pid, inode);
        } else {
            refused_ = true;
        }
    }
}

void StateStore::save_snapshot(core::TimePoint time) {
    saved_generation_ = broker_.generation();
    last_save_ = time;
    core::StateSnapshot snapshot = broker_.export_state(time);
    // A snapshot still waiting in the queue is stale now: this one takes its
    // slot and its sequence number, so the other slot keeps the last state
    // that went (systemd never holds less than one whole state).
    FdStoreQueue& queue = upstream_.fd_store();
    const bool replacing = queue.store_pending(fd_store::state_name(sequence_));
    snapshot.sequence = replacing ? sequence_ : ++sequence_;

    // Pidfds: drop those of workers that left (or whose pid is a new process
    // now) first, so their room is free for the newcomers.
    std::unordered_map<pid_t, std::uint64_t> wanted;
    for (core::WorkerRecord& worker : snapshot.workers) {
        if (worker.follows_unit) {
            // Its pid is only the last (gone) sender's: the unit's cgroup is what
            // a restore follows again.
            worker.cgroup = units_ != nullptr ? units_->cgroup_of(worker.unit) : std::string();
            continue;
        }
        if (worker.source == core::Source::dbus || worker.pid <= 0) {
            continue;
        }
        const Identity identity = identity_of(worker.pid);
        worker.process_identity = identity.inode;
        worker.start_time = identity.start_time;
        wanted.emplace(worker.pid, identity.inode);
    }
    std::erase_if(identities_, [&](const auto& entry) { return !wanted.contains(entry.first); });
    store_pidfds(wanted);

    const std::string bytes = core::encode_snapshot(snapshot);
    auto memfd = make_sealed_memfd("nb-state", bytes);
    if (!memfd) {
        if (!failure_logged_) {
            failure_logged_ = true;
            log(LogLevel::warning, "fd store: " + memfd.error().message);
        }
        upstream_.send_fd_store();
        return;
    }
    // The older slot goes, the newer one stays until this one is in.
    const std::string name = fd_store::state_name(snapshot.sequence);
    if (replacing) {
        (void)queue.replace(name, std::move(memfd.value()));
    } else {
        (void)queue.remove(name, core::FdStoreRoom::reserved);
        (void)queue.store(name, std::move(memfd.value()), core::FdStoreRoom::reserved);
    }
    upstream_.send_fd_store();
    ++saves_;
    const unsigned ready = broker_.counts().ready;
    const LogLevel level = snapshot.workers.size() != logged_workers_ || ready != logged_ready_
                               ? LogLevel::info
                               : LogLevel::debug;
    logged_workers_ = snapshot.workers.size();
    logged_ready_ = ready;
    if (log_enabled(level)) {
        log(level, "fd store: state #" + std::to_string(snapshot.sequence) + " saved (" +
                       std::to_string(snapshot.workers.size()) + " workers, " +
                       std::to_string(ready) + " ready, " + std::to_string(bytes.size()) +
                       " bytes, " + std::to_string(stored_pidfds_.size()) + " pidfds" +
                       (queue.size() > 2 ? ", " + std::to_string(queue.size()) +
                                               " fd store datagrams wait for systemd"
                                         : std::string()) +
                       ")");
    }
}

} // namespace nb::daemon
