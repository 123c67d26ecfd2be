#include "shell/main_pid.hpp"

#include "base/pidfd.hpp"
#include "base/proc_file.hpp"
#include "shell/process_ids.hpp"
#include "shell/received_pidfd.hpp"
#include "shell/sender_pin.hpp"
#include "shell/unit_name.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

namespace nb::daemon {
namespace {

std::optional<pid_t> parent_of(pid_t pid) {
    const auto status = read_proc_file(pid, "status", 4096);
    if (!status) {
        return std::nullopt;
    }
    const std::string_view text = *status;
    const auto at = text.find("\nPPid:");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(at + 6);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    pid_t parent = 0;
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), parent);
    if (ec != std::errc{} || ptr == rest.data()) {
        return std::nullopt;
    }
    return parent;
}

MainPidCheck refuse(std::string why) {
    return MainPidCheck{0, UniqueFd(), std::move(why)};
}

std::string process(pid_t pid) {
    return "process " + std::to_string(pid);
}

/// Whether `main` (pinned by the caller) is an ancestor of `sender` (pinned):
/// each process between them is pinned before its parent is read, and its
/// child's parent is read again after, so the chain was real while they all
/// ran; `chain` keeps them pinned for the caller's final check.
bool is_ancestor(pid_t sender, pid_t main, std::vector<UniqueFd>& chain) {
    pid_t at = sender;
    for (int depth = 0; depth < max_main_pid_depth && at > 1; ++depth) {
        const auto parent = parent_of(at);
        if (!parent || *parent <= 0) {
            return false;
        }
        if (*parent == main) {
            return true; // main is pinned: while it runs no other process has its pid
        }
        UniqueFd pinned = open_pidfd(*parent);
        // Pinned after the read: if `at` still has that parent, the pinned
        // process is it (a parent's exit would have reparented `at`).
        if (!pinned || parent_of(at) != parent) {
            return false;
        }
        chain.push_back(std::move(pinned));
        at = *parent;
    }
    return false;
}

/// True while pidfd holds pid: its process runs, or is a zombie not reaped yet.
bool holds(int pidfd, pid_t pid) {
    if (!pidfd_exited(pidfd)) {
        return true;
    }
    const auto fdinfo = read_small_file("/proc/self/fdinfo/" + std::to_string(pidfd), 4096);
    const auto held = fdinfo ? pid_from_fdinfo(*fdinfo) : std::nullopt;
    return held && *held == pid;
}

bool all_running(const std::vector<UniqueFd>& chain) {
    return std::none_of(chain.begin(), chain.end(),
                        [](const UniqueFd& fd) { return pidfd_exited(fd.get()); });
}

/// The process a claim names, pinned: ours for MAINPID=, the sender's for MAINPIDFD=1.
struct Pinned {
    pid_t pid = 0;
    UniqueFd pidfd;
    std::string refusal;
};

Pinned pin(const core::MainProcessClaim& claim, std::vector<UniqueFd>& fds) {
    if (claim.kind == core::MainProcessClaim::Kind::pidfd) {
        UniqueFd pidfd = std::move(fds.front()); // exactly one: main_process_claim() said so
        fds.clear();
        auto received = pid_of_received_pidfd(pidfd.get());
        if (!received.refusal.empty()) {
            return Pinned{0, UniqueFd(), std::move(received.refusal)};
        }
        return Pinned{received.pid, std::move(pidfd), {}};
    }
    UniqueFd pidfd = open_pidfd(claim.pid);
    if (!pidfd) {
        return Pinned{0, UniqueFd(), "no " + process(claim.pid)};
    }
    return Pinned{claim.pid, std::move(pidfd), {}};
}

} // namespace

MainPidCheck check_main_pid(const MainPidSender& sender, const core::MainProcessClaim& claim,
                            std::vector<UniqueFd>& fds, const AdmitsProcess& admitted) {
    if (!claim.refusal.empty()) {
        return refuse(claim.refusal);
    }
    if (claim.kind == core::MainProcessClaim::Kind::pid && claim.pid == sender.pid &&
        !claim.pidfd_id) {
        return MainPidCheck{sender.pid, UniqueFd(), {}}; // names the sender: nothing to check
    }
    if (sender.pidfd < 0) {
        return refuse("the sender could not be pinned");
    }
    // Pinned first: if it still runs after the reads below, every read that
    // named its pid was about this process, not a later one with its pid.
    Pinned main = pin(claim, fds);
    if (!main.refusal.empty()) {
        return refuse(std::move(main.refusal));
    }
    const bool is_sender = main.pid == sender.pid;
    if (claim.pidfd_id) {
        // systemd-notify 257 --pid: the id of the process it meant. Where
        // pidfds have no ids (before pidfs, Linux 6.9) it cannot be checked.
        const int pinned = is_sender ? sender.pidfd : main.pidfd.get();
        if (const auto id = process_identity(pinned); id && *id != *claim.pidfd_id) {
            return refuse("MAINPIDFDID=" + std::to_string(*claim.pidfd_id) +
                          " is not the pidfd id of " + process(main.pid) + " (" +
                          std::to_string(*id) + "): that pid names another process now");
        }
    }
    if (is_sender) {
        return MainPidCheck{sender.pid, UniqueFd(), {}}; // the worker is the sender's anyway
    }
    std::vector<UniqueFd> chain;
    const bool ancestor = is_ancestor(sender.pid, main.pid, chain);
    const auto ids = read_effective_ids(main.pid);
    std::string unit;
    if (!ancestor && sender.uid == 0) {
        unit = read_unit_of(main.pid);
    }
    if (pidfd_exited(main.pidfd.get())) {
        return refuse(process(main.pid) + " exited meanwhile");
    }
    // The sender may have exited (sd_notify() and gone): as a zombie it still
    // has its parent. Once reaped, its ancestry can no longer be read.
    const bool sender_held = holds(sender.pidfd, sender.pid);
    if (ancestor && (!sender_held || !all_running(chain))) {
        return refuse("the sender or one of its ancestors exited meanwhile");
    }
    if (!ids) {
        return refuse("the ids of " + process(main.pid) + " cannot be read");
    }
    if (ancestor) {
        if (sender.uid != 0 && ids->uid != sender.uid) {
            return refuse(process(main.pid) + " does not run as uid " + std::to_string(sender.uid));
        }
        return MainPidCheck{main.pid, std::move(main.pidfd), {}};
    }
    const std::string neither =
        process(main.pid) + " is neither the sender nor one of its ancestors";
    if (sender.uid != 0) {
        return refuse(sender_held ? neither : "the sender exited before its ancestors were read");
    }
    if (unit.empty()) {
        return refuse(neither + ", and in no systemd unit");
    }
    core::Sender candidate;
    candidate.pid = main.pid;
    candidate.uid = ids->uid;
    candidate.gid = ids->gid;
    candidate.unit = unit;
    if (!admitted || !admitted(candidate)) {
        return refuse(neither + ", and no [[allow]] rule with a unit admits its unit " + unit +
                      " (uid " + std::to_string(ids->uid) + ") for this worker");
    }
    return MainPidCheck{main.pid, std::move(main.pidfd), {}};
}

} // namespace nb::daemon
