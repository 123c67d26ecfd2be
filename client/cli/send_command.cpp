// The sending side, compatible with systemd-notify 257 (Debian 13): same
// options, same datagram contents and order, same sender credentials (the
// barrier too is sent as the parent, as since 254), same barrier (5 s), same
// exit codes, then --exec; and like every systemd tool since 254 it reports how
// it ended on the notify socket: ERRNO=<n> on a failure, then EXIT_STATUS=<n>
// (except after a successful send, where systemd-notify stays quiet).
// --fork (258) is fork_command.cpp.

#include "env_merge.hpp"
#include "fork_command.hpp"
#include "send_options.hpp"
#include "subcommand.hpp"

#include <nb/client/environment.hpp>
#include <nb/client/notifier.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <span>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
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
        // 257: where the kernel gives pidfd inode ids (pidfs), the pidfd's too.
        if (const auto id = options.pid_fd.inode_id()) {
            ours.emplace_back("MAINPIDFDID=" + std::to_string(*id));
        }
    }
    if (!options.fds.empty()) {
        ours.emplace_back("FDSTORE=1");
        if (options.fdname) {
            ours.emplace_back("FDNAME=" + *options.fdname);
        }
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

// Waits up to barrier_timeout for POLLHUP on fd: 0, ETIMEDOUT or an errno.
int wait_for_hangup(int fd) {
    pollfd entry{fd, 0, 0}; // POLLHUP is always reported
    const auto deadline = std::chrono::steady_clock::now() + barrier_timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const int n = ::poll(&entry, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
        if (n > 0) {
            return 0;
        }
        if (n == 0) {
            return ETIMEDOUT;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
}

// sd_pid_notify_barrier() (254+): BARRIER=1 with the write end of a pipe, sent
// as pid like the message before it, so a receiver that orders by sender sees
// both from one process; then wait until the receiver has closed it.
client::SendResult barrier_as(client::Notifier& notifier, pid_t pid) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0) {
        return client::SendResult::make_failed(errno, "cannot create the barrier pipe");
    }
    auto sent = notifier.notify_as(pid, "BARRIER=1", std::span<const int>(&ends[1], 1));
    ::close(ends[1]); // now only the receiver holds it
    if (sent.sent()) {
        if (const int error = wait_for_hangup(ends[0]); error != 0) {
            sent = client::SendResult::make_failed(error, "barrier");
        }
    }
    ::close(ends[0]);
    return sent;
}

struct Outcome {
    int result = 0;     ///< 0, a positive exit code, or -errno
    bool quiet = false; ///< the message went out: report nothing more
};

Outcome run(client::Notifier& notifier, SendOptions& options) {
    if (options.booted) {
        return {client::booted() ? 0 : 1};
    }
    const std::string datagram = datagram_for(options);
    // Only the real ids change: the effective uid keeps the privilege to fake
    // credentials, and the client sends the real ones (like sd_pid_notify).
    if (options.gid && setregid(*options.gid, static_cast<gid_t>(-1)) < 0) {
        const int error = errno;
        return {log_error(error, std::string("Failed to change GID: ") + std::strerror(error))};
    }
    if (options.uid && setreuid(*options.uid, static_cast<uid_t>(-1)) < 0) {
        const int error = errno;
        return {log_error(error, std::string("Failed to change UID: ") + std::strerror(error))};
    }

    if (options.fds.taken().size() > client::max_fds_per_message) {
        return {log_error(E2BIG, "Too many file descriptors passed.")}; // libsystemd's E2BIG
    }
    const pid_t source = source_pid_for(options);
    const auto sent = notifier.notify_as(source, datagram, options.fds.taken());
    if (sent.status == client::SendResult::Status::failed) {
        return {log_error(sent.error, "Failed to notify init system: " + sent.message())};
    }
    if (sent.status == client::SendResult::Status::unset) {
        return {log_error(EOPNOTSUPP, "No status data could be sent: $NOTIFY_SOCKET was not set")};
    }
    options.fds.close_taken(); // before we execute anything
    if (!options.no_block) {
        const auto waited = barrier_as(notifier, source);
        if (waited.status == client::SendResult::Status::failed) {
            return {log_error(waited.error, std::string("Failed to invoke barrier: ") +
                                                std::strerror(waited.error))};
        }
    }
    if (!options.command.empty()) {
        // Same process: the one that reported READY=1 becomes the command, so
        // a broker (or systemd) tracking this pid tracks the worker itself.
        notifier.close();
        std::vector<char*> argv;
        for (auto& argument : options.command) {
            argv.push_back(argument.data());
        }
        argv.push_back(nullptr);
        ::execvp(argv[0], argv.data());
        const int error = errno;
        std::string line;
        for (const auto& argument : options.command) {
            line += (line.empty() ? "" : " ") + argument;
        }
        return {log_error(error, "Failed to execute command line: " + line)};
    }
    return {0, true};
}

} // namespace

int send_main(int argc, char** argv) {
    client::Notifier notifier;
    SendOptions options;
    Outcome outcome{parse_send_options(argc, argv, options)};
    if (outcome.result > 0) {
        outcome = options.fork ? Outcome{fork_main(options.command, options.quiet)}
                               : run(notifier, options);
    }
    // What systemd's main-func.h does for every tool: tell the manager why and
    // how it ended (systemd-notify unsets $NOTIFY_SOCKET once it has sent).
    const int exit_code = outcome.result < 0 ? 1 : outcome.result;
    if (!outcome.quiet) {
        if (outcome.result < 0) {
            (void)notifier.errno_(-outcome.result);
        }
        (void)notifier.notify("EXIT_STATUS=" + std::to_string(exit_code));
    }
    return exit_code;
}

} // namespace nb::cli
