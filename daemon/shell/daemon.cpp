#include "shell/daemon.hpp"

#include "base/logger.hpp"
#include "config/reload_plan.hpp"
#include "shell/ignored_key_log.hpp"
#include "shell/log_event.hpp"
#include "shell/socket_queue_limit.hpp"
#include "shell/unit_name.hpp"

#include <chrono>
#include <csignal>
#include <cstring>
#include <string>

#include <unistd.h>

namespace nb::daemon {
namespace {

core::TimePoint now() noexcept {
    return std::chrono::steady_clock::now();
}

} // namespace

Daemon::Daemon(uv_loop_t* loop, const DaemonSettings& settings, WorkerSocket socket,
               Upstream upstream, core::UpstreamContext context, Hooks hooks)
    : loop_(loop)
    , hooks_(std::move(hooks))
    , settings_(settings)
    , socket_(std::move(socket))
    , upstream_(std::move(upstream))
    , broker_(std::make_unique<core::Broker>(settings.broker, context, now()))
    , processes_(loop, [this](pid_t pid) { on_process_exited(pid); })
    , unit_workers_(
          loop, read_unit_of(::getpid()), find_cgroup2_root(),
          [this](const std::string& unit) { on_unit_gone(unit); }, settings.broker.max_workers,
          [this](const std::string& unit) { return broker_->tracks_name(unit); }) {
    upstream_.attach(loop); // waits for a full or missing $NOTIFY_SOCKET on the loop
    timespec started{};
    clock_gettime(CLOCK_REALTIME, &started);
    start_time_usec_ = static_cast<std::uint64_t>(started.tv_sec) * 1'000'000 +
                       static_cast<std::uint64_t>(started.tv_nsec) / 1'000;
    DatagramDispatcher::Hooks dispatch_hooks;
    dispatch_hooks.flush = [this] {
        after_event();
    };
    dispatch_hooks.is_spawned = hooks_.is_spawned;
    dispatch_hooks.closer = &closer_;
    dispatch_hooks.follow_unit = [this](const core::Sender& sender, const proto::Message& message) {
        if (!unit_workers_.follow(sender, message)) {
            return false;
        }
        broker_->on_followed_by_unit(sender.pid); // not that pid's worker any more
        return true;
    };
    dispatcher_ =
        std::make_unique<DatagramDispatcher>(*broker_, processes_, drops_, dispatch_hooks);
    reader_ = std::make_unique<SocketReader>(loop, socket_.fd(),
                                             [this](std::span<ReceivedDatagram> batch) {
                                                 dispatcher_->dispatch(batch);
                                                 after_event();
                                             });
    timer_ = std::make_unique<DeadlineTimer>(loop, [this] { on_timer(); });
    stop_timer_ = std::make_unique<DeadlineTimer>(loop, [this] {
        log(LogLevel::notice,
            std::to_string(live_workers()) + " worker process(es) or unit(s) still running " +
                std::to_string(worker_stop_grace.count()) + " s after the stop; exiting anyway");
        drain_and_close();
    });
    if (!settings.probes.empty()) {
        probes_ = std::make_unique<ProbeScheduler>(
            loop, settings.probes, *broker_, [this] { after_event(); }, find_cgroup2_root(),
            settings.broker.max_workers);
    }
}

Daemon::~Daemon() {
    close();
}

void Daemon::start() {
    reader_->start();
    for (const int signum : {SIGTERM, SIGINT, SIGHUP}) {
        signals_.push_back(std::make_unique<SignalWatcher>(
            loop_, signum, [this](int received) { on_signal(received); }));
    }
    log(LogLevel::info, "listening on " + socket_.address() +
                            (socket_.passes_pidfd() ? " (SCM_PIDFD)" : " (no SCM_PIDFD)") +
                            ", receive buffer " + std::to_string(socket_.receive_buffer()) +
                            ", upstream " +
                            (upstream_.has_socket() ? upstream_.address() : "none (logged)"));
    if (const auto notice = queue_limit_notice(socket_queue_limit(socket_.fd()))) {
        log(notice->warning ? LogLevel::warning : LogLevel::info, notice->text);
    }
    if (!upstream_.address_valid()) {
        log(LogLevel::err, "NOTIFY_SOCKET='" + upstream_.address() +
                               "' is not a valid address: systemd will hear nothing");
    }
    if (probes_) {
        probes_->start();
    }
    // The core may already have something to say (an initial STATUS, a watchdog deadline).
    after_event();
}

void Daemon::after_event() noexcept {
    if (closed_) {
        return;
    }
    try {
        if (probes_) {
            probes_->members_changed(); // a group probe follows its members
        }
        for (const auto& event : broker_->take_events()) {
            log_broker_event(event);
        }
        for (const auto& payload : broker_->take_outbox()) {
            upstream_counts_.count(payload);
            upstream_.send(payload);
        }
        timer_->arm(broker_->next_deadline());
        if (hooks_.changed) {
            hooks_.changed();
        }
    } catch (...) {
        log(LogLevel::err, "draining the outbox failed (out of memory)");
    }
}

void Daemon::on_timer() noexcept {
    broker_->on_tick(now());
    after_event();
}

void Daemon::on_process_exited(pid_t pid) noexcept {
    broker_->on_process_exited(pid, now());
    after_workers_left();
}

void Daemon::on_unit_gone(const std::string& unit) noexcept {
    try {
        broker_->on_unit_gone(unit, now());
    } catch (...) {
        log(LogLevel::err, "marking the worker of unit " + unit + " gone failed (out of memory)");
    }
    after_workers_left();
}

void Daemon::after_workers_left() noexcept {
    after_event();
    if (waiting_for_workers_ && live_workers() == 0) {
        log(LogLevel::info, "every worker process has exited");
        drain_and_close();
    }
}

void Daemon::on_signal(int signum) noexcept {
    if (signum == SIGHUP) {
        reload();
        if (hooks_.reloaded) {
            hooks_.reloaded(signum);
        }
        return;
    }
    request_stop(signum);
}

void Daemon::request_stop(int signum) noexcept {
    if (closed_) {
        return;
    }
    if (stopping_) {
        if (!hooks_.stop_requested) {
            close_when_workers_gone();
        } else {
            hooks_.stop_requested(signum); // spawn mode: forward again
        }
        return;
    }
    stopping_ = true;
    log(LogLevel::notice, signum == 0 ? std::string("stopping: every spawned worker exited")
                                      : std::string("stopping on signal ") + ::strsignal(signum));
    broker_->request_stop(now());
    after_event();
    if (hooks_.stop_requested) {
        hooks_.stop_requested(signum);
    } else {
        close_when_workers_gone();
    }
}

void Daemon::close_when_workers_gone() noexcept {
    if (closed_) {
        return;
    }
    if (waiting_for_workers_ || !socket_.activated() || live_workers() == 0) {
        drain_and_close();
        return;
    }
    // systemd stops our PartOf= workers in parallel with us: their last
    // datagrams (STOPPING=1) would otherwise wait in the socket after we exit
    // and make systemd start us again.
    waiting_for_workers_ = true;
    log(LogLevel::info, "waiting up to " + std::to_string(worker_stop_grace.count()) + " s for " +
                            std::to_string(live_workers()) +
                            " worker process(es) or unit(s) to exit (activated socket)");
    stop_timer_->arm(std::chrono::steady_clock::now() + worker_stop_grace);
}

void Daemon::drain_and_close() noexcept {
    if (closed_) {
        return;
    }
    reader_->drain();
    close();
}

void Daemon::reload() noexcept {
    if (closed_ || stopping_) {
        return;
    }
    log(LogLevel::notice, "reloading configuration");
    const core::TimePoint signalled = now();
    broker_->begin_reload(signalled);
    after_event();
    try {
        auto settings =
            hooks_.reload
                ? hooks_.reload()
                : proto::Result<DaemonSettings>(proto::Error{"no configuration source to reload"});
        if (settings) {
            apply_reloaded(std::move(*settings));
        } else {
            EventFields about;
            about.reason = settings.error().message;
            log_event(LogLevel::err, LogEvent::reload_failed, about,
                      "reload failed, keeping the old configuration: " + settings.error().message);
            broker_->finish_reload(std::nullopt, settings.error().message, now());
        }
    } catch (...) {
        broker_->finish_reload(std::nullopt, "reload failed (out of memory)", now());
    }
    if (probes_) {
        probes_->reprobe(signalled); // probed workers are probed again (issue 15 B.1)
    }
    after_event();
}

void Daemon::apply_reloaded(DaemonSettings loaded) {
    config::ReloadPlan plan = config::plan_reload(settings_, std::move(loaded));
    for (const auto& key : plan.needs_restart) {
        std::string_view why;
        for (const auto& row : config::reload_settings()) {
            why = row.key == key ? row.why : why;
        }
        log(LogLevel::warning, "reload: " + key + " changed but needs a restart (" +
                                   std::string(why) + "); it keeps its running value");
    }
    set_log_level(plan.apply.log_level);
    if (auto status = socket_.reconfigure(plan.apply.socket); !status) {
        log(LogLevel::err,
            "reload: the worker socket keeps its old mode and group: " + status.error().message);
    }
    broker_->set_restart_needed(plan.needs_restart);
    apply_probes(plan.apply);
    broker_->finish_reload(plan.apply.broker, {}, now());
    std::string applied;
    for (const auto& key : plan.changed_live) {
        applied += (applied.empty() ? "" : ", ") + key;
    }
    log_event(LogLevel::notice, LogEvent::reload_done, {},
              "configuration reloaded" +
                  (applied.empty() ? std::string("; nothing changed") : "; applied: " + applied));
    settings_ = std::move(plan.apply);
}

void Daemon::apply_probes(const DaemonSettings& loaded) {
    if (probes_) {
        probes_->reconfigure(loaded.probes); // unchanged probes keep their state
    } else if (!loaded.probes.empty()) {
        probes_ = std::make_unique<ProbeScheduler>(
            loop_, loaded.probes, *broker_, [this] { after_event(); }, find_cgroup2_root(),
            settings_.broker.max_workers);
        probes_->start();
    }
}

void Daemon::close() noexcept {
    if (closed_) {
        return;
    }
    // A last flush: whatever the core still holds (a trailing STATUS) goes out.
    after_event();
    closed_ = true;
    if (hooks_.closing) {
        hooks_.closing();
    }
    reader_->close();
    timer_->close();
    stop_timer_->close();
    for (auto& signal : signals_) {
        signal->close();
    }
    processes_.close();
    unit_workers_.close();
    if (probes_) {
        probes_->close();
    }
    upstream_.close(); // after the last flush above; waits at most 1 s for a full receiver
    log(LogLevel::info, "received " + std::to_string(dispatcher_->received()) +
                            " datagrams, accepted " + std::to_string(dispatcher_->accepted()) +
                            ", dropped: " + drops_.summary() +
                            "; ignored keys: " + IgnoredKeyLog::summary(*broker_) +
                            "; sent upstream " + std::to_string(upstream_.sent()));
}

} // namespace nb::daemon
