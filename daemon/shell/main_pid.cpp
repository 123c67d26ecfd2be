#include "shell/main_pid.hpp"

#include "base/pidfd.hpp"
#include "base/proc_file.hpp"
#include "shell/process_ids.hpp"

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
    return MainPidCheck{UniqueFd(), std::move(why)};
}

} // namespace

MainPidCheck check_main_pid(pid_t sender, int sender_pidfd, uid_t uid, pid_t main) {
    if (sender_pidfd < 0) {
        return refuse("the sender could not be pinned");
    }
    // Pinned first: if it still runs after the reads below, every read that
    // named pid `main` was about this process, not a later one with its pid.
    UniqueFd pidfd = open_pidfd(main);
    if (!pidfd) {
        return refuse("no process " + std::to_string(main));
    }
    bool ancestor = main == sender;
    pid_t at = sender;
    for (int depth = 0; !ancestor && depth < max_main_pid_depth && at > 1; ++depth) {
        const auto parent = parent_of(at);
        if (!parent) {
            break;
        }
        at = *parent;
        ancestor = at == main;
    }
    if (!ancestor) {
        return refuse("process " + std::to_string(main) +
                      " is neither the sender nor one of its ancestors");
    }
    if (uid != 0) {
        const auto ids = read_effective_ids(main);
        if (!ids || ids->uid != uid) {
            return refuse("process " + std::to_string(main) + " does not run as uid " +
                          std::to_string(uid));
        }
    }
    if (pidfd_exited(pidfd.get()) || pidfd_exited(sender_pidfd)) {
        return refuse("process " + std::to_string(main) + " or the sender exited meanwhile");
    }
    return MainPidCheck{std::move(pidfd), {}};
}

} // namespace nb::daemon
