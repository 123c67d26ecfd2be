#pragma once
// notify-brokerd run as a real child process: its upstream is an
// UpstreamReceiver, its stderr goes to a log file the test can read, its
// worker socket lives in the test's TempDir.

#include "upstream_receiver.hpp"

#include <nb/test/child_process.hpp>
#include <nb/test/temp_dir.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nb::test {

/// The notify-brokerd under test (set by CMake).
std::string brokerd_path();

struct BrokerOptions {
    /// Extra command-line arguments (after --socket, --bus none, --log-level).
    std::vector<std::string> args;
    /// TOML written to broker.toml and passed with --config; empty: no config file.
    std::string config;
    /// A socket to pass through LISTEN_FDS instead of --socket.
    int listen_fd = -1;
    /// Named fds to pass through LISTEN_FDS/LISTEN_FDNAMES instead (a socket
    /// and fd store entries); then no --socket either.
    std::vector<std::pair<std::string, int>> named_listen_fds;
    /// Wait for the broker's first upstream datagram (its initial STATUS) before
    /// returning, so its socket is known to be ready.
    bool wait_until_listening = true;
    std::string log_level = "info";
    /// Extra environment for the broker (WATCHDOG_USEC, ...); empty value: unset.
    std::map<std::string, std::optional<std::string>> env;
    /// Arguments after "--" (spawn mode).
    std::vector<std::string> command;
    /// Run the broker as pid 1 of a new pid namespace (unshare --pid --fork), so
    /// that this test's processes are invisible to it.
    bool own_pid_namespace = false;
    /// With own_pid_namespace: and a /proc of that namespace (unshare
    /// --mount-proc), so the broker reads /proc/PID of the pids it is sent.
    bool own_proc = false;
    /// Run the broker in a network namespace of its own (unshare --net) with
    /// net.unix.max_dgram_qlen set to this there, so a test controls the
    /// queue limit its socket gets without touching the host's value.
    std::optional<int> network_namespace_queue_limit;
    /// Start the broker with RLIMIT_NOFILE's soft and hard limits at this
    /// (prlimit), so a test can run it out of fds.
    std::optional<int> open_files_limit;
    /// False: no `--bus none` on the command line, so the config file's [dbus]
    /// bus applies (and a reload can change it).
    bool bus_none = true;
};

class BrokerProcess {
public:
    /// Starts notify-brokerd. Throws std::runtime_error if it says nothing
    /// upstream within 10 s (when wait_until_listening).
    BrokerProcess(const TempDir& dir, UpstreamReceiver& upstream, const BrokerOptions& options);

    /// The broker's pid as this test sees it.
    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    /// The workers' NOTIFY_SOCKET.
    [[nodiscard]] const std::string& socket_path() const noexcept { return socket_path_; }
    [[nodiscard]] std::string log() const;

    void signal(int signum) const;
    /// Exit code after SIGTERM (-1000 if it did not exit within timeout).
    int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    int wait_exit_code(std::chrono::milliseconds timeout) { return child_.wait_exit_code(timeout); }

    /// Entries in /proc/PID/fd.
    [[nodiscard]] std::size_t fd_count() const;
    /// "fd -> target" lines of /proc/PID/fd, for failure messages.
    [[nodiscard]] std::string fd_listing() const;
    /// VmRSS from /proc/PID/status, in KiB.
    [[nodiscard]] long rss_kib() const;
    /// voluntary + nonvoluntary context switches: how often it woke up.
    [[nodiscard]] long context_switches() const;

private:
    std::string socket_path_;
    std::string log_path_;
    ChildProcess child_;
    pid_t pid_ = -1;
};

} // namespace nb::test
