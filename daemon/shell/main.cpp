// notify-brokerd: parse the command line, build the shell around the core on
// one libuv loop, run it, exit cleanly (0; in spawn mode the child's status).

#include "config/command_line.hpp"
#include "config/config_writer.hpp"
#include "daemon.hpp"
#include "fd_limit.hpp"
#include "logger.hpp"
#include "socket_activation.hpp"
#include "state_restore.hpp"
#include "state_store.hpp"
#include "unit_name.hpp"
#include "upstream.hpp"
#include "worker_socket.hpp"

#ifdef NB_HAVE_DBUS
#include "dbus/bus_service.hpp"
#endif
#ifdef NB_HAVE_SPAWN
#include "spawn/spawner.hpp"
#endif

#include <nb/client/environment.hpp>

#include <uv.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using nb::daemon::log;
using nb::daemon::LogLevel;

constexpr int exit_failure = 1;

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

#ifdef NB_HAVE_SPAWN
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
#endif

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
    nb::daemon::DaemonSettings settings = std::move(parsed->settings);
    if (settings.check_config_only) {
        std::fputs(nb::config::render_config(settings).c_str(), stdout);
        return 0;
    }
    nb::daemon::set_log_level(settings.log_level);
    nb::daemon::make_room_for_workers(settings.broker.max_workers);
    // A vanished upstream or a closed pipe must not kill the broker.
    std::signal(SIGPIPE, SIG_IGN);

    // Read our systemd context, then hide it from children.
    auto upstream = nb::daemon::Upstream::from_environment();
    nb::core::UpstreamContext context;
    if (const auto watchdog = nb::client::watchdog_enabled(true)) {
        context.watchdog = *watchdog;
    }

    // The worker socket, and after a restart the fd store's entries (state_store.hpp).
    auto activated = nb::daemon::take_activated_fds();
    if (!activated) {
        log(LogLevel::err, activated.error().message);
        return exit_failure;
    }
    const unsigned fd_store_capacity = nb::daemon::fd_store_capacity_from_environment();
    auto socket = open_worker_socket(settings.socket, std::move(activated->socket));
    if (!socket) {
        log(LogLevel::err, socket.error().message);
        return exit_failure;
    }

    uv_loop_t loop{};
    if (const int rc = uv_loop_init(&loop); rc != 0) {
        log(LogLevel::err, std::string("uv_loop_init: ") + uv_strerror(rc));
        return exit_failure;
    }
    int exit_code = 0;
    {
        nb::daemon::Daemon::Hooks hooks;
        hooks.reload = [args]() -> nb::proto::Result<nb::daemon::DaemonSettings> {
            auto again = nb::config::parse_command_line(args);
            if (!again) {
                return again.error();
            }
            return std::move(again->settings);
        };
        // Declared before the Daemon, destroyed after it: its hooks point here.
#ifdef NB_HAVE_DBUS
        std::unique_ptr<nb::dbus::BusService> bus;
#endif
#ifdef NB_HAVE_SPAWN
        std::unique_ptr<nb::spawn::Spawner> spawner;
#endif
        nb::daemon::Daemon* daemon_ptr = nullptr;
        std::unique_ptr<nb::daemon::StateStore> state_store;
        hooks.changed = [&] {
            if (state_store) {
                state_store->changed();
            }
#ifdef NB_HAVE_DBUS
            if (bus) {
                bus->notify_changed();
            }
#endif
        };
        hooks.closing = [&] {
            if (state_store) {
                state_store->close();
            }
#ifdef NB_HAVE_DBUS
            if (bus) {
                bus->close();
            }
#endif
#ifdef NB_HAVE_SPAWN
            if (spawner) {
                spawner->close();
            }
#endif
        };
#ifdef NB_HAVE_SPAWN
        hooks.is_spawned = [&spawner](pid_t pid) {
            return spawner && spawner->is_child(pid);
        };
        hooks.stop_requested = [&](int signum) {
            // Spawn mode: the broker outlives its workers, to relay their last words.
            if (spawner && !spawner->all_exited() && signum != 0 && spawner->forward(signum) > 0) {
                return;
            }
            daemon_ptr->close_when_workers_gone();
        };
        hooks.reloaded = [&spawner](int signum) {
            if (spawner) {
                spawner->forward(signum);
            }
        };
#endif
        nb::daemon::Daemon daemon(&loop, settings, std::move(socket.value()), std::move(upstream),
                                  context, std::move(hooks));
        daemon_ptr = &daemon;
        state_store = std::make_unique<nb::daemon::StateStore>(
            &loop, daemon.broker(), daemon.processes(), daemon.upstream().address(),
            fd_store_capacity);
        if (!activated->others.empty()) {
            // Before the socket is read: what workers sent during the restart
            // is still queued there and applies on top of the restored pool.
            state_store->adopt(nb::daemon::restore_state(std::move(activated->others),
                                                         daemon.broker(), daemon.processes(),
                                                         std::chrono::steady_clock::now()));
        }
#ifdef NB_HAVE_DBUS
        if (settings.bus.bus != "none") {
            nb::dbus::BusHooks bus_hooks;
            bus_hooks.now = [] {
                return std::chrono::steady_clock::now();
            };
            bus_hooks.after_change = [&daemon] {
                daemon.after_event();
            };
            bus_hooks.log = [](LogLevel level, std::string_view text) {
                log(level, text);
            };
            // D-Bus callers get their unit by the same rules as socket workers.
            bus_hooks.unit_of = [](pid_t pid) {
                return nb::daemon::read_unit_of(pid);
            };
            bus = std::make_unique<nb::dbus::BusService>(&loop, daemon.broker(), settings.bus,
                                                         std::move(bus_hooks));
        }
#endif
        daemon.start();
#ifdef NB_HAVE_SPAWN
        if (!settings.spawn.command.empty()) {
            nb::spawn::Spawner::Callbacks callbacks;
            callbacks.on_exit = [](pid_t pid, int code) {
                log(LogLevel::info, "spawned worker " + std::to_string(pid) + " exited with " +
                                        std::to_string(code));
            };
            callbacks.on_all_exited = [&](int code) {
                exit_code = code;
                if (daemon.closed()) {
                    return;
                }
                // Stopping already (a signal was forwarded): now the broker may go.
                daemon.request_stop(0);
            };
            spawner = std::make_unique<nb::spawn::Spawner>(
                &loop, settings.spawn, daemon.socket().address(), std::move(callbacks),
                spawned_worker_watchdog(settings.broker));
            if (auto started = spawner->start(); !started) {
                log(LogLevel::err, started.error().message);
                exit_code = nb::spawn::Spawner::exit_cannot_run;
                daemon.close();
            }
        }
#endif
        uv_run(&loop, UV_RUN_DEFAULT);
        daemon.close();
#ifdef NB_HAVE_DBUS
        bus.reset();
#endif
#ifdef NB_HAVE_SPAWN
        spawner.reset();
#endif
    }
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
