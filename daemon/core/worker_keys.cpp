#include "core/worker_keys.hpp"

#include <algorithm>
#include <array>

namespace nb::core {
namespace {

using enum KeyUse;

// Keep README.md's key table in the same order and words (tests check it).
constexpr std::array table{
    WorkerKey{"READY", applied, "the worker is ready"},
    WorkerKey{"STATUS", applied,
              "the worker's status text (cut to max_status_length, shown in the upstream STATUS "
              "for a worker that is not ready)"},
    WorkerKey{"STOPPING", applied, "the worker leaves (stopped); it no longer counts"},
    WorkerKey{"RELOADING", applied,
              "the worker reloads: not ready, its start_timeout runs again until READY=1"},
    WorkerKey{"MONOTONIC_USEC", paired, "read with RELOADING=1; no effect of its own"},
    WorkerKey{"WATCHDOG", applied,
              "=1: the worker's heartbeat; =trigger: the worker is late (hung) at once"},
    WorkerKey{"WATCHDOG_USEC", applied,
              "the worker's own watchdog interval instead of its group's, within the group's "
              "worker_watchdog_min to worker_watchdog_max (default 1s to 1h); outside them this "
              "key is refused (logged with the bounds) and the rest applies"},
    WorkerKey{"EXTEND_TIMEOUT_USEC", applied,
              "stretches the worker's start deadline; relayed as the broker's own only within "
              "max_extend_timeout"},
    WorkerKey{"ERRNO", applied,
              "recorded on the worker (shown in the worker table and, while it is not ready, "
              "in STATUS: \"web-2 failed: errno 13\"); READY=1 clears it"},
    WorkerKey{"BUSERROR", applied, "recorded on the worker, as ERRNO"},
    WorkerKey{"VARLINKERROR", applied,
              "recorded on the worker, as ERRNO (an interface-qualified error name)"},
    WorkerKey{"EXIT_STATUS", applied, "recorded on the worker, as ERRNO"},
    WorkerKey{"MAINPID", applied,
              "the worker's main process, whose exit ends the worker (systemd-notify --pid): "
              "the sender or one of its ancestors with the sender's uid (root: any uid); from "
              "root also any process in a unit whose first matching [[allow]] rule (by the "
              "process's own uid, gid and unit) sets unit= and allows the worker's name; pinned "
              "by pidfd; else this key is refused (logged) and the rest applies",
              true},
    WorkerKey{"MAINPIDFD", applied,
              "=1 with exactly one fd, a pidfd: MAINPID= by that pidfd (which the broker keeps "
              "and watches), the same rules; takes precedence over MAINPID=; with another value, "
              "no fd, several fds or an fd that is not a process's pidfd it is refused (logged), "
              "its fds closed, and the rest applies",
              true},
    WorkerKey{"MAINPIDFDID", paired,
              "read with MAINPID=: the pidfs inode id of the process meant (systemd-notify 257 "
              "--pid); on a kernel with pidfs (6.9+) it must be the id of the process MAINPID= "
              "names now, else MAINPID= is refused; on older kernels it is not checked; alone "
              "(or beside MAINPIDFD=1) no effect",
              true},
    WorkerKey{"BARRIER", barrier,
              "alone with one fd: answered by closing the fd after everything before it was "
              "applied; with other keys or another number of fds the datagram is refused"},
    WorkerKey{"FDSTORE", ignored, "ignored, its fds closed (the broker keeps no worker's fds)"},
    WorkerKey{"FDSTOREREMOVE", ignored, "ignored"},
    WorkerKey{"FDNAME", ignored, "ignored"},
    WorkerKey{"FDPOLL", ignored, "ignored"},
    WorkerKey{"NOTIFYACCESS", ignored, "ignored: the broker's policy decides who may report"},
    WorkerKey{"RESTART_RESET", ignored, "ignored"},
    WorkerKey{"X_WORKER", applied, "the worker's name (checked against the policy)"},
    WorkerKey{"X_SYSTEMD_*", ignored, "ignored"},
    WorkerKey{"X_*", ignored, "ignored (the application's own keys)"},
    WorkerKey{"*", ignored, "ignored (unknown key)"},
};

constexpr bool is_prefix_row(std::string_view row) noexcept {
    return row.ends_with('*');
}

} // namespace

std::span<const WorkerKey> worker_keys() noexcept {
    return table;
}

std::size_t worker_key_index(std::string_view key) noexcept {
    std::size_t best = table.size() - 1;
    std::size_t best_length = 0;
    for (std::size_t i = 0; i + 1 < table.size(); ++i) {
        const std::string_view row = table[i].key;
        if (!is_prefix_row(row)) {
            if (row == key) {
                return i;
            }
            continue;
        }
        const std::string_view prefix = row.substr(0, row.size() - 1);
        if (key.starts_with(prefix) && prefix.size() > best_length) {
            best = i;
            best_length = prefix.size();
        }
    }
    return best;
}

const WorkerKey& worker_key(std::string_view key) noexcept {
    return table[worker_key_index(key)];
}

bool has_key_refused_over_dbus(const proto::Message& message) noexcept {
    const auto& assignments = message.assignments();
    return std::any_of(assignments.begin(), assignments.end(), [](const proto::Assignment& a) {
        const WorkerKey& row = worker_key(a.key);
        return row.use == KeyUse::ignored || row.socket_only;
    });
}

bool is_lone_barrier(const proto::Message& message) noexcept {
    const auto& assignments = message.assignments();
    return assignments.size() == 1 && assignments.front().key == "BARRIER";
}

} // namespace nb::core
