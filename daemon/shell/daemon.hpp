#pragma once
// The I/O shell of notify-brokerd around the pure core: it owns the worker
// socket reader, the pidfd watchers, the deadline timer, the signal watchers
// and the upstream notifier, and after every event drains the core's outbox
// upstream and re-arms the timer. D-Bus and spawn mode plug in through hooks.
// Thread-safety: everything on the loop thread.

#include "base/deadline_timer.hpp"
#include "base/fd_closer.hpp"
#include "base/signal_watcher.hpp"
#include "config/daemon_settings.hpp"
#include "core/broker.hpp"
#include "shell/datagram_dispatcher.hpp"
#include "shell/drop_log.hpp"
#include "shell/probe_scheduler.hpp"
#include "shell/process_watcher.hpp"
#include "shell/socket_reader.hpp"
#include "shell/unit_workers.hpp"
#include "shell/upstream.hpp"
#include "shell/upstream_counts.hpp"
#include "shell/worker_socket.hpp"

#include <nb/proto/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nb::daemon {

class Daemon {
public:
    /// Re-reads the configuration for SIGHUP (config file + command line).
    using ReloadFn = std::function<proto::Result<DaemonSettings>()>;

    struct Hooks {
        ReloadFn reload;
        /// After every Broker event (D-Bus: PropertiesChanged). May be empty.
        std::function<void()> changed;
        /// True for a pid spawn mode started. May be empty.
        std::function<bool(pid_t)> is_spawned;
        /// SIGTERM/SIGINT (signum 0: spawned workers all exited) after the core
        /// was told to stop and STOPPING=1 was sent. Empty: close_when_workers_gone().
        /// Spawn mode forwards the signal and calls close_when_workers_gone()
        /// when its children have exited.
        std::function<void(int signum)> stop_requested;
        /// SIGHUP after the reload (spawn mode forwards it). May be empty.
        std::function<void(int signum)> reloaded;
        /// Called by close(), before the shell's own handles close (D-Bus close()).
        std::function<void()> closing;
    };

    /// Builds the core and every watcher on loop. Throws std::runtime_error when
    /// libuv refuses a handle, std::bad_alloc.
    Daemon(uv_loop_t* loop, const DaemonSettings& settings, WorkerSocket socket, Upstream upstream,
           core::UpstreamContext context, Hooks hooks);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Starts reading the socket and watching signals. Throws std::runtime_error.
    void start();

    /// Drains the outbox upstream, re-arms the timer, tells `changed`. Call after
    /// every Broker event that did not come through the shell (D-Bus).
    void after_event() noexcept;

    /// As SIGTERM: core.request_stop(), STOPPING=1 upstream, then hooks.stop_requested.
    /// signum 0: not a signal, the spawned workers have all exited.
    void request_stop(int signum) noexcept;
    /// As SIGHUP: RELOADING=1, re-read the config, apply it or keep the old one.
    void reload() noexcept;

    /// How long a stopping broker on an activated socket waits for its workers.
    static constexpr std::chrono::seconds worker_stop_grace{5};

    /// The end of a stop. On a socket of our own: close() at once. On an
    /// activated socket (it outlives us, and a datagram queued after we exit
    /// makes systemd start us again): keep reading until every worker process
    /// we watch has exited (their units stop alongside ours, PartOf=), at most
    /// worker_stop_grace, then read what is still queued and close(). A second
    /// call (a second SIGTERM) closes at once.
    void close_when_workers_gone() noexcept;

    /// Closes every handle the shell owns (asynchronously: run the loop once
    /// more) and unlinks the socket it created. Idempotent.
    void close() noexcept;
    [[nodiscard]] bool closed() const noexcept { return closed_; }

    [[nodiscard]] core::Broker& broker() noexcept { return *broker_; }
    /// The pidfd watchers (the fd store's restore and saves use them).
    [[nodiscard]] ProcessWatcher& processes() noexcept { return processes_; }
    /// The units whose cgroups keep script workers (the fd store's restore and saves).
    [[nodiscard]] UnitWorkers& unit_workers() noexcept { return unit_workers_; }
    [[nodiscard]] const WorkerSocket& socket() const noexcept { return socket_; }
    [[nodiscard]] const DropLog& drops() const noexcept { return drops_; }
    [[nodiscard]] const DatagramDispatcher& dispatcher() const noexcept { return *dispatcher_; }
    [[nodiscard]] const Upstream& upstream() const noexcept { return upstream_; }
    /// The fd store queues its datagrams on the same socket (shell/state_store.hpp).
    [[nodiscard]] Upstream& upstream() noexcept { return upstream_; }
    /// The settings running now (a reload's live ones included).
    [[nodiscard]] const DaemonSettings& settings() const noexcept { return settings_; }
    /// The health probes ([[probe]]); nullptr when the config has none.
    [[nodiscard]] const ProbeScheduler* probes() const noexcept { return probes_.get(); }

    /// The numbers behind the metrics and the D-Bus Counters property
    /// (shell/daemon_counters.cpp): "datagrams.received", "datagrams.accepted",
    /// "datagrams.<drop reason>", "upstream.<kind>", "senders.rate_limited",
    /// "workers.restored", "log.entries_dropped", "start_time_usec" (CLOCK_REALTIME).
    [[nodiscard]] std::map<std::string, std::uint64_t> counters() const;
    /// Workers a restore from the fd store brought back.
    void count_restored(std::size_t workers) noexcept { restored_ += workers; }

private:
    void on_signal(int signum) noexcept;
    void on_process_exited(pid_t pid) noexcept;
    void on_unit_gone(const std::string& unit) noexcept;
    /// After a worker left: drain, and close if the stop was waiting for it.
    void after_workers_left() noexcept;
    /// Processes and units whose workers a stopping broker waits for.
    [[nodiscard]] std::size_t live_workers() const noexcept {
        return processes_.size() + unit_workers_.size();
    }
    void on_timer() noexcept;
    /// A reload's settings: the live ones applied, the others named. Throws std::bad_alloc.
    void apply_reloaded(DaemonSettings loaded);
    /// A reload's [[probe]] list: the scheduler keeps what did not change
    /// (built now if the broker started without probes).
    void apply_probes(const DaemonSettings& loaded);
    /// Reads the socket's last queued datagrams, then close().
    void drain_and_close() noexcept;

    uv_loop_t* loop_;
    Hooks hooks_;
    /// What runs now: a reload compares the file with it (config/reload_plan.hpp).
    DaemonSettings settings_;
    WorkerSocket socket_;
    Upstream upstream_;
    DropLog drops_;
    FdCloser closer_; // before dispatcher_, which hands it workers' fds
    std::unique_ptr<core::Broker> broker_;
    ProcessWatcher processes_;
    UnitWorkers unit_workers_;
    std::unique_ptr<DatagramDispatcher> dispatcher_;
    std::unique_ptr<SocketReader> reader_;
    std::unique_ptr<DeadlineTimer> timer_;
    std::unique_ptr<DeadlineTimer> stop_timer_; // worker_stop_grace
    std::unique_ptr<ProbeScheduler> probes_;
    std::vector<std::unique_ptr<SignalWatcher>> signals_;
    UpstreamCounts upstream_counts_;
    std::uint64_t restored_ = 0;
    std::uint64_t start_time_usec_ = 0;
    bool stopping_ = false;
    bool waiting_for_workers_ = false;
    bool closed_ = false;
};

} // namespace nb::daemon
