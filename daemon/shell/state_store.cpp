#include "shell/state_store.hpp"

#include "base/logger.hpp"
#include "base/sealed_memfd.hpp"
#include "core/state_codec.hpp"
#include "shell/fd_store_names.hpp"
#include "shell/process_start_time.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <span>
#include <string_view>

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
                       std::string upstream_address, unsigned capacity, const UnitWorkers* units)
    : broker_(broker)
    , processes_(processes)
    , units_(units)
    , notifier_(upstream_address)
    , timer_(loop, [this] { save(); })
    , enabled_(!upstream_address.empty() && capacity >= state_slots)
    , pidfd_budget_(enabled_ ? capacity - state_slots : 0) {}

void StateStore::adopt(const RestoredState& restored) {
    sequence_ = std::max(sequence_, restored.sequence);
    stored_pidfds_ = restored.stored_pidfds;
}

void StateStore::changed() noexcept {
    if (!enabled_ || broker_.generation() == saved_generation_ || timer_.armed_for()) {
        return;
    }
    const auto interval =
        std::max<std::chrono::milliseconds>(min_interval, broker_.config().status_interval);
    const core::TimePoint at = last_save_ ? std::max(now(), *last_save_ + interval) : now();
    timer_.arm(at);
}

bool StateStore::send(const std::string& text, int fd) {
    const int fds[] = {fd};
    const auto result =
        fd >= 0 ? notifier_.notify(text, std::span<const int>(fds)) : notifier_.notify(text);
    if (!result.sent() && !failure_logged_) {
        failure_logged_ = true; // systemd may be gone; one line is enough
        log(LogLevel::warning, "fd store: sending to systemd failed: " + result.message());
    }
    return result.sent();
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
        save_snapshot(now());
    } catch (...) {
        log(LogLevel::err, "fd store: saving the state failed (out of memory)");
    }
}

void StateStore::save_snapshot(core::TimePoint time) {
    saved_generation_ = broker_.generation();
    last_save_ = time;
    core::StateSnapshot snapshot = broker_.export_state(time);
    snapshot.sequence = ++sequence_;

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
    for (auto it = stored_pidfds_.begin(); it != stored_pidfds_.end();) {
        const auto want = wanted.find(it->first);
        if (want == wanted.end() || want->second != it->second) {
            send("FDSTOREREMOVE=1\nFDNAME=" + fd_store::pidfd_name(it->first), -1);
            it = stored_pidfds_.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [pid, inode] : wanted) {
        if (stored_pidfds_.size() >= pidfd_budget_) {
            break; // the rest are checked by pidfs inode or start time on restore
        }
        const int pidfd = processes_.pidfd_of(pid);
        if (pidfd >= 0 && !stored_pidfds_.contains(pid) &&
            send("FDSTORE=1\nFDNAME=" + fd_store::pidfd_name(pid), pidfd)) {
            stored_pidfds_.emplace(pid, inode);
        }
    }

    const std::string bytes = core::encode_snapshot(snapshot);
    auto memfd = make_sealed_memfd("nb-state", bytes);
    if (!memfd) {
        if (!failure_logged_) {
            failure_logged_ = true;
            log(LogLevel::warning, "fd store: " + memfd.error().message);
        }
        return;
    }
    // The older slot goes, the newer one stays until this one is in.
    const std::string name = fd_store::state_name(snapshot.sequence);
    send("FDSTOREREMOVE=1\nFDNAME=" + name, -1);
    if (!send("FDSTORE=1\nFDNAME=" + name, memfd->get())) {
        return;
    }
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
                       " bytes, " + std::to_string(stored_pidfds_.size()) + " pidfds)");
    }
}

} // namespace nb::daemon
