// notify-brokerd: parse the command line, build the shell around the core on
// one libuv loop, run it, exit cleanly (0; in spawn mode the child's status).
// The only file that sees every part: each wiring step below is one function.

#include "base/fd_limit.hpp"
#include "base/logger.hpp"
#include "config/command_line.hpp"
#include "config/config_writer.hpp"
#include "dbus/bus_service.hpp"
#include "shell/daemon.hpp"
#include "shell/datagram_batch.hpp"
#include "shell/metrics_file.hpp"
#include "shell/metrics_input.hpp"
#include "shell/socket_activation.hpp"
#include "shell/state_restore.hpp"
#include "shell/state_store.hpp"
#include "shell/unit_name.hpp"
#include "shell/upstream.hpp"
#include "shell/worker_socket.hpp"
#include "spawn/spawner.hpp"

#include <nb/client/environment.hpp>

#include <uv.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using nb::daemon::log;
using nb::daemon::LogLevel;

constexpr int exit_failure = 1;

/// What is read from the process's environment before the loop exists: the
/// upstream (then hidden from children), the worker socket, the fd store.
struct Inherited {
    nb::daemon::Upstream upstream;
    nb::core::UpstreamContext context;
    nb::daemon::WorkerSocket socket;
    std::vector<nb::daemon::NamedFd> stored;
    unsigned fd_store_capacity = 0;
};

/// The parts around the Daemon. Declared before it and destroyed after it: the
/// Daemon's hooks point here.
struct Parts {
    std::unique_ptr<nb::dbus::BusService> bus;
    std::unique_ptr<nb::spawn::Spawner> spawner;
    std::unique_ptr<nb::daemon::StateStore> state_store;
    std::unique_ptr<nb::daemon::MetricsFile> metrics_file;
    nb::daemon::Daemon* daemon = nullptr;
    int exit_code = 0;
};

nb::proto::Result<nb::daemon::WorkerSocket>
open_worker_socket(const nb::daemon::SocketSettings& settings,
                   std::optional<nb::daemon::UniqueFd> activated) {
    if (activated) {
        return nb::daemon::WorkerSocket::adopt(std::move(*activated), settings);
    }
    return nb::daemon::WorkerSocket::create(settings);
}

/// Runs the loop until every handle has closed; false if some handle never did.
bool drain_and_close(uv_loop_t* loop) {
    uv_run(loop, UV_RUN_DEFAULT);
    if (uv_loop_close(loop) == 0) {
        return true;
    }
    uv_walk(
        loop,
        [](uv_handle_t* handle, void*) {
            log(LogLevel::err, std::string("handle left open at exit: ") +
                                   uv_handle_type_name(uv_handle_get_type(handle)));
        },
        nullptr);
    return false;
}

/// Spawned workers are told the strictest worker watchdog of the groups.
std::chrono::microseconds spawned_worker_watchdog(const nb::core::BrokerConfig& config) {
    std::chrono::microseconds strictest{0};
    for (const auto& group : config.groups) {
        if (group.watchdog.count() > 0 && (strictest.count() == 0 || group.watchdog < strictest)) {
            strictest = group.watchdog;
        }
    }
    return strictest;
}

/// Process-wide setup that must precede everything else.
void prepare_process(const nb::daemon::DaemonSettings& settings) {
    nb::daemon::set_log_level(settings.log_level);
    // The journal natively when stderr is its stream; never a blocking write.
    nb::daemon::open_log_target();
    nb::daemon::make_room_for_workers(settings.broker.max_workers,
                                      nb::daemon::DatagramBatch::max_fds_per_batch);
    // A vanished upstream or a closed pipe must not kill the broker.
    std::signal(SIGPIPE, SIG_IGN);
}

/// Reads the systemd context, then hides it from children; takes the worker
/// socket (activated or created) and, after a restart, the fd store's entries.
nb::proto::Result<Inherited> take_inherited(const nb::daemon::SocketSettings& socket_settings) {
    auto upstream = nb::daemon::Upstream::from_environment();
    nb::core::UpstreamContext context;
    if (const auto watchdog = nb::client::watchdog_enabled(true)) {
        context.watchdog = *watchdog;
    }
    auto activated = nb::daemon::take_activated_fds();
    if (!activated) {
        return activated.error();
    }
    const unsigned fd_store_capacity = nb::daemon::fd_store_capacity_from_environment();
    auto socket = open_worker_socket(socket_settings, std::move(activated->socket));
    if (!socket) {
        return socket.error();
    }
    return Inherited{std::move(upstream), context, std::move(socket.value()),
                     std::move(activated->others), fd_store_capacity};
}

/// How the Daemon reaches the parts around it: reload, change, close, spawn mode.
nb::daemon::Daemon::Hooks daemon_hooks(Parts& parts, std::vector<std::string> args) {
    nb::daemon::Daemon::Hooks hooks;
    hooks.reload = [args = std::move(args)]() -> nb::proto::Result<nb::daemon::DaemonSettings> {
        auto again = nb::config::parse_command_line(args);
        if (!again) {
            return again.error();
        }
        return std::move(again->settings);
    };
    hooks.changed = [&parts] {
        if (parts.state_store) {
            parts.state_store->changed();
        }
        if (parts.bus) {
            parts.bus->notify_changed();
        }
    };
    hooks.closing = [&parts] {
        if (parts.state_store) {
            parts.state_store->close();
        }
        if (parts.bus) {
            parts.bus->close();
        }
        if (parts.spawner) {
            parts.spawner->close();
        }
        if (parts.metrics_file) {
            parts.metrics_file->close();
        }
    };
    hooks.is_spawned = [&parts](pid_t pid) {
        return parts.spawner && parts.spawner->is_child(pid);
    };
    hooks.stop_requested = [&parts](int signum) {
        // Spawn mode: the broker outlives its workers, to relay their last words.
        auto& spawner = parts.spawner;
        if (spawner && !spawner->all_exited() && signum != 0 && spawner->forward(signum) > 0) {
            return;
        }
        parts.daemon->close_when_workers_gone();
    };
    hooks.reloaded = [&parts](int signum) {
        if (parts.bus && parts.daemon) {
            parts.bus->reconfigure(parts.daemon->settings().bus); // [dbus] bus and name: live
        }
        if (parts.spawner) {
            parts.spawner->forward(signum);
        }
    };
    return hooks;
}

/// The fd store: imports what a previous run saved, then saves every change.
/// Returns the bus names of the D-Bus workers taken back, for the bus to check.
std::vector<std::string> start_state_store(uv_loop_t* loop, nb::daemon::Daemon& daemon,
                                           Inherited& inherited, Parts& parts,
                                           bool bus_configured) {
    parts.state_store = std::make_unique<nb::daemon::StateStore>(
        loop, daemon.broker(), daemon.processes(), daemon.upstream(), inherited.fd_store_capacity,
        &daemon.unit_workers());
    // $FDSTORE is FileDescriptorStoreMax= (systemd >= 254 sets it; the units
    // rendered for 252 set it themselves): the bound of what the broker stores.
    log(LogLevel::info,
        parts.state_store->enabled()
            ? "fd store: on, " + std::to_string(inherited.fd_store_capacity) + " entries ($FDSTORE)"
            : std::string("fd store: off (no $FDSTORE or no AF_UNIX NOTIFY_SOCKET)"));
    if (inherited.stored.empty()) {
        return {};
    }
    // Before the socket is read: what workers sent during the restart
    // is still queued there and applies on top of the restored pool.
    auto restored = nb::daemon::restore_state(
        std::move(inherited.stored), daemon.broker(), daemon.processes(),
        std::chrono::steady_clock::now(), &daemon.unit_workers(),
        [bus_configured](const nb::core::WorkerRecord&) { return bus_configured; });
    daemon.count_restored(restored.workers);
    parts.state_store->adopt(restored);
    return std::move(restored.bus_names);
}

/// org.notifybroker.Broker1 on the configured bus, over the same Broker.
std::unique_ptr<nb::dbus::BusService> start_bus(uv_loop_t* loop, nb::daemon::Daemon& daemon,
                                                const nb::daemon::BusSettings& settings) {
    // Made for bus = "none" too (then idle): a reload may name a bus.
    nb::dbus::BusHooks hooks;
    hooks.now = [] {
        return std::chrono::steady_clock::now();
    };
    hooks.after_change = [&daemon] {
        daemon.after_event();
    };
    hooks.counters = [&daemon] {
        return daemon.counters();
    };
    hooks.log = [](LogLevel level, std::string_view text) {
        log(level, text);
    };
    // D-Bus callers get their unit by the same rules as socket workers.
    hooks.unit_of = [](pid_t pid) {
        return nb::daemon::read_unit_of(pid);
    };
    return std::make_unique<nb::dbus::BusService>(loop, daemon.broker(), settings,
                                                  std::move(hooks));
}

/// metrics_file: the metrics for node_exporter's textfile collector, kept current.
std::unique_ptr<nb::daemon::MetricsFile>
start_metrics_file(uv_loop_t* loop, nb::daemon::Daemon& daemon,
                   const nb::daemon::DaemonSettings& settings) {
    if (settings.metrics_file.empty()) {
        return nullptr;
    }
    auto file = std::make_unique<nb::daemon::MetricsFile>(
        loop, settings.metrics_file, settings.broker.status_interval, [&daemon] {
            return nb::proto::render_metrics(
                nb::daemon::metrics_input(daemon.broker(), daemon.counters(),
                                          std::chrono::steady_clock::now()),
                nb::proto::MetricsFormat::prometheus);
        });
    file->start();
    log(LogLevel::info, "metrics_file: " + settings.metrics_file);
    return file;
}

/// Spawn mode (`-- COMMAND`): runs the workers; their exit ends the broker.
void start_spawn_mode(uv_loop_t* loop, nb::daemon::Daemon& daemon,
                      const nb::daemon::DaemonSettings& settings, Parts& parts) {
    if (settings.spawn.command.empty()) {
        return;
    }
    nb::spawn::Spawner::Callbacks callbacks;
    callbacks.on_exit = [](pid_t pid, int code) {
        log(LogLevel::info,
            "spawned worker " + std::to_string(pid) + " exited with " + std::to_string(code));
    };
    callbacks.on_all_exited = [&parts, &daemon](int code) {
        parts.exit_code = code;
        if (daemon.closed()) {
            return;
        }
        // Stopping already (a signal was forwarded): now the broker may go.
        daemon.request_stop(0);
    };
    parts.spawner = std::make_unique<nb::spawn::Spawner>(
        loop, settings.spawn, daemon.socket().address(), std::move(callbacks),
        spawned_worker_watchdog(settings.broker));
    if (auto started = parts.spawner->start(); !started) {
        log(LogLevel::err, started.error().message);
        parts.exit_code = nb::spawn::Spawner::exit_cannot_run;
        daemon.close();
    }
}

/// Wires every part on the loop and runs it until the broker stops; the exit code.
int serve(uv_loop_t* loop, const nb::daemon::DaemonSettings& settings, Inherited inherited,
          std::vector<std::string> args) {
    Parts parts;
    nb::daemon::Daemon daemon(loop, settings, std::move(inherited.socket),
                              std::move(inherited.upstream), inherited.context,
                              daemon_hooks(parts, std::move(args)));
    parts.daemon = &daemon;
    auto restored_bus_names =
        start_state_store(loop, daemon, inherited, parts, settings.bus.bus != "none");
    parts.bus = start_bus(loop, daemon, settings.bus);
    if (parts.bus && !restored_bus_names.empty()) {
        parts.bus->adopt_restored(std::move(restored_bus_names));
    }
    daemon.start();
    parts.metrics_file = start_metrics_file(loop, daemon, settings);
    start_spawn_mode(loop, daemon, settings, parts);
    uv_run(loop, UV_RUN_DEFAULT);
    daemon.close();
    parts.bus.reset();
    parts.spawner.reset();
    parts.metrics_file.reset();
    return parts.exit_code;
}

int run(const std::vector<std::string>& args) {
    auto parsed = nb::config::parse_command_line(args);
    if (!parsed) {
        std::fprintf(stderr, "notify-brokerd: %s\n", parsed.error().message.c_str());
        // As notify-brokerd.toml documents for --check-config: 1, with file:line:col.
        return exit_failure;
    }
    if (parsed->exit_text) {
        std::fputs(parsed->exit_text->c_str(), stdout);
        return 0;
    }
    const nb::daemon::DaemonSettings settings = std::move(parsed->settings);
    if (settings.check_config_only) {
        std::fputs(nb::config::render_config(settings).c_str(), stdout);
        return 0;
    }
    prepare_process(settings);
    auto inherited = take_inherited(settings.socket);
    if (!inherited) {
        log(LogLevel::err, inherited.error().message);
        return exit_failure;
    }
    uv_loop_t loop{};
    if (const int rc = uv_loop_init(&loop); rc != 0) {
        log(LogLevel::err, std::string("uv_loop_init: ") + uv_strerror(rc));
        return exit_failure;
    }
    int exit_code = serve(&loop, settings, std::move(inherited.value()), args);
    if (!drain_and_close(&loop)) {
        exit_code = exit_failure;
    }
    return exit_code;
}

} // namespace

int main(int argc, char** argv) {
    try {
        std::vector<std::string> args(argv + 1, argv + argc);
        return run(args);
    } catch (const std::exception& error) {
        log(LogLevel::err, std::string("fatal: ") + error.what());
    } catch (...) {
        log(LogLevel::err, "fatal: unknown exception");
    }
    return exit_failure;
}
