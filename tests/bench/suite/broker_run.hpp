#pragma once
// One notify-brokerd under test: its own temp dir, config file, worker socket,
// and an upstream receiver standing in for systemd's $NOTIFY_SOCKET. Start-up
// times are recorded (exec, socket created, first upstream datagram).
// Throws std::runtime_error when the broker cannot be started.

#include "net.hpp"
#include "process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nb::bench {

/// Where the programs under test are.
struct Programs {
    std::string brokerd;        ///< notify-brokerd
    std::string cli;            ///< notify-broker
    std::string systemd_notify; ///< /usr/bin/systemd-notify
};

struct BrokerOptions {
    std::string broker_keys;       ///< extra lines of the [broker] table
    std::string rest;              ///< further TOML ([rate_limit], [[group]] ...)
    std::vector<std::string> args; ///< extra command-line options
    std::vector<std::string> env;  ///< e.g. "WATCHDOG_USEC=200000"
    std::string log_level = "info";
    long nofile_soft = 0; ///< the broker's RLIMIT_NOFILE soft limit; 0: inherit
};

/// A fresh temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

struct BrokerSummary {
    std::uint64_t received = 0;
    std::uint64_t accepted = 0;
    std::uint64_t sent_upstream = 0;
    int exit_code = -1;
};

/// Profiling hooks, from the environment (used by run-suite --profile):
///  NB_BENCH_BROKER_PREFIX  words put before notify-brokerd (e.g. valgrind ...),
///                          which must keep the broker's pid (valgrind does);
///  NB_BENCH_ATTACH         a command run once the broker is up, "{pid}"
///                          replaced by its pid (e.g. perf record -p {pid});
///                          it gets SIGINT when the broker is stopped.
class BrokerRun {
public:
    BrokerRun(const Programs& programs, const BrokerOptions& options);
    ~BrokerRun();
    BrokerRun(const BrokerRun&) = delete;
    BrokerRun& operator=(const BrokerRun&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return child_.pid(); }
    [[nodiscard]] const std::string& socket_path() const noexcept { return socket_path_; }
    [[nodiscard]] const std::string& dir() const noexcept { return dir_.path(); }
    UpstreamReceiver& upstream() noexcept { return *upstream_; }

    /// exec → worker socket created; exec → first upstream datagram (ns).
    [[nodiscard]] std::int64_t socket_ready_ns() const noexcept { return socket_ready_ns_; }
    [[nodiscard]] std::int64_t first_upstream_ns() const noexcept { return first_upstream_ns_; }
    /// The first upstream datagram (the initial STATUS, or READY=1).
    [[nodiscard]] const std::string& first_upstream() const noexcept { return first_upstream_; }

    /// SIGTERM, wait, and read the exit line of the log.
    BrokerSummary stop();
    [[nodiscard]] std::string log_text() const;

private:
    TempDir dir_;
    std::string socket_path_;
    std::string log_path_;
    std::unique_ptr<UpstreamReceiver> upstream_;
    Child child_;
    Child attached_;
    std::int64_t socket_ready_ns_ = 0;
    std::int64_t first_upstream_ns_ = 0;
    std::string first_upstream_;
};

} // namespace nb::bench
