#include "base/signal_watcher.hpp"

#include "base/logger.hpp"

#include <stdexcept>
#include <string>

namespace nb::daemon {

SignalWatcher::SignalWatcher(uv_loop_t* loop, int signum, std::function<void(int)> handler)
    : handler_(std::move(handler)) {
    int rc = signal_.init(uv_signal_init, loop, this);
    if (rc == 0) {
        rc = uv_signal_start(signal_.get(), &SignalWatcher::on_signal, signum);
    }
    if (rc != 0) {
        throw std::runtime_error("uv_signal_start(" + std::to_string(signum) +
                                 "): " + uv_strerror(rc));
    }
}

void SignalWatcher::on_signal(uv_signal_t* handle, int signum) noexcept {
    auto* self = static_cast<SignalWatcher*>(handle->data);
    if (self == nullptr) {
        return;
    }
    try {
        self->handler_(signum);
    } catch (...) {
        log(LogLevel::err, "signal handler failed");
    }
}

} // namespace nb::daemon
