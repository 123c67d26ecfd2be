#include "spawn/spawner.hpp"

#include <csignal>

#include <sys/wait.h>

namespace nb::spawn {

Spawner::Spawner(uv_loop_t* loop, daemon::SpawnSettings settings, std::string socket_path,
                 Callbacks callbacks, std::chrono::microseconds worker_watchdog)
    : loop_(loop)
    , settings_(std::move(settings))
    , socket_path_(std::move(socket_path))
    , callbacks_(std::move(callbacks))
    , worker_watchdog_(worker_watchdog) {}

Spawner::~Spawner() {
    close();
}

proto::Status Spawner::start() {
    if (settings_.command.empty() || settings_.copies == 0) {
        return proto::Error{"spawn: no command to run"};
    }
    if (started_ || closed_) {
        return proto::Error{"spawn: already started"};
    }
    LaunchRequest request;
    request.command = settings_.command;
    request.socket_path = socket_path_;
    request.copies = settings_.copies;
    request.watchdog = worker_watchdog_;
    const std::vector<std::string> environment = LaunchPlan::current_environment();
    slots_.clear();
    slots_.resize(settings_.copies);
    for (unsigned index = 0; index < settings_.copies; ++index) {
        auto plan = LaunchPlan::make(request, index, environment);
        auto child = plan ? ChildProcess::start(loop_, std::move(plan).value(),
                                                [this, index](ChildProcess&, int status) noexcept {
                                                    on_child_exit(index, status);
                                                })
                          : proto::Result<std::unique_ptr<ChildProcess>>(plan.error());
        if (!child) {
            // The others run the same command: stop them rather than half a pool.
            for (Slot& slot : slots_) {
                if (slot.process) {
                    slot.process->signal(SIGTERM);
                }
            }
            return child.error();
        }
        slots_[index].pid = (*child)->pid();
        slots_[index].process = std::move(child).value();
        ++running_;
        if (callbacks_.on_started) {
            callbacks_.on_started(slots_[index].pid, index);
        }
    }
    started_ = true;
    return proto::Ok{};
}

unsigned Spawner::forward(int signum) noexcept {
    unsigned reached = 0;
    for (Slot& slot : slots_) {
        if (slot.process && slot.process->running() && slot.process->signal(signum)) {
            try {
                slot.forwarded.insert(signum);
            } catch (...) { // std::bad_alloc: the exit then just counts as 128+signal
            }
            ++reached;
        }
    }
    return reached;
}

std::vector<pid_t> Spawner::children() const {
    std::vector<pid_t> out;
    for (const Slot& slot : slots_) {
        if (slot.process && slot.process->running()) {
            out.push_back(slot.pid);
        }
    }
    return out;
}

bool Spawner::is_child(pid_t pid) const noexcept {
    for (const Slot& slot : slots_) {
        if (slot.pid == pid) {
            return slot.process && slot.process->running();
        }
    }
    return false;
}

void Spawner::close() noexcept {
    if (closed_) {
        return;
    }
    closed_ = true;
    for (Slot& slot : slots_) {
        if (slot.process) {
            if (slot.process->running()) {
                slot.process->signal(SIGTERM);
            }
            slot.process->close();
        }
    }
}

void Spawner::on_child_exit(std::size_t index, int wait_status) noexcept {
    Slot& slot = slots_[index];
    int code = 0;
    bool clean = true;
    if (WIFEXITED(wait_status)) {
        code = WEXITSTATUS(wait_status);
        clean = code == 0;
    } else if (WIFSIGNALED(wait_status)) {
        const int signum = WTERMSIG(wait_status);
        code = 128 + signum;
        clean = slot.forwarded.contains(signum);
    }
    if (exit_code_ == 0 && !clean) {
        exit_code_ = code;
    }
    --running_;
    if (callbacks_.on_exit) {
        callbacks_.on_exit(slot.pid, code);
    }
    if (running_ == 0 && started_ && !closed_ && callbacks_.on_all_exited) {
        callbacks_.on_all_exited(exit_code_);
    }
}

} // namespace nb::spawn
