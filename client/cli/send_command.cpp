// The sending side, compatible with systemd-notify 252 (Debian 12): same
// options, same datagram contents and order, same sender credentials, same
// barrier (5 s), same exit codes, and like every systemd tool it reports a
// failure as ERRNO=<n> on the notify socket before exiting 1.

#include "env_merge.hpp"
#include "send_options.hpp"
#include "subcommand.hpp"

#include <nb/client/environment.hpp>
#include <nb/client/notifier.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <unistd.h>

namespace nb::cli {
namespace {

constexpr auto barrier_timeout = std::chrono::seconds(5);

int log_error(int error, const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
    return -error;
}

std::uint64_t monotonic_usec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
}

std::string datagram_for(const SendOptions& options) {
    std::vector<std::string> ours;
    if (options.reloading) {
        ours.emplace_back("RELOADING=1");
        ours.emplace_back("MONOTONIC_USEC=" + std::to_string(monotonic_usec()));
    }
    if (options.ready) {
        ours.emplace_back("READY=1");
    }
    if (options.stopping) {
        ours.emplace_back("STOPPING=1");
    }
    if (options.status) {
        ours.emplace_back("STATUS=" + *options.status);
    }
    if (options.pid > 0) {
        ours.emplace_back("MAINPID=" + std::to_string(options.pid));
    }
    env_merge(ours, options.assignments);
    return join_lines(ours);
}

// systemd-notify is usually run from a shell script that is the service's
// process; sending as our parent attributes the message to it.
pid_t source_pid_for(const SendOptions& options) {
    if (options.pid > 0) {
        return options.pid;
    }
    const pid_t parent = getppid();
    if (parent <= 1 || parent == manager_pid()) {
        return 0; // never claim to be PID 1 or the service manager
    }
    return parent;
}

int run(client::Notifier& notifier, const SendOptions& options) {
    if (options.booted) {
        return client::booted() ? 0 : 1;
    }
    const std::string datagram = datagram_for(options);
    if (datagram.empty() && options.assignments.empty()) {
        return 0;
    }
    // Only the real ids change: the effective uid keeps the privilege to fake
    // credentials, and the client sends the real ones (like sd_pid_notify).
    if (options.gid && setregid(*options.gid, static_cast<gid_t>(-1)) < 0) {
        const int error = errno;
        return log_error(error, std::string("Failed to change GID: ") + std::strerror(error));
    }
    if (options.uid && setreuid(*options.uid, static_cast<uid_t>(-1)) < 0) {
        const int error = errno;
        return log_error(error, std::string("Failed to change UID: ") + std::strerror(error));
    }

    const auto sent = notifier.notify_as(source_pid_for(options), datagram);
    if (sent.status == client::SendResult::Status::failed) {
        return log_error(sent.error, "Failed to notify init system: " + sent.message());
    }
    if (sent.status == client::SendResult::Status::unset) {
        return log_error(EOPNOTSUPP, "No status data could be sent: $NOTIFY_SOCKET was not set");
    }
    if (!options.no_block) {
        const auto waited = notifier.barrier(barrier_timeout);
        if (waited.status == client::SendResult::Status::failed) {
            return log_error(waited.error, std::string("Failed to invoke barrier: ") +
                                               std::strerror(waited.error));
        }
    }
    return 0;
}

} // namespace

int send_main(int argc, char** argv) {
    client::Notifier notifier;
    SendOptions options;
    int r = parse_send_options(argc, argv, options);
    if (r > 0) {
        r = run(notifier, options);
    }
    if (r < 0) {
        // What systemd's main-func.h does for every tool: tell the manager why.
        (void)notifier.errno_(-r);
        return 1;
    }
    return r;
}

} // namespace nb::cli
