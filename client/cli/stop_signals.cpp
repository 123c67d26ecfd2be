#include "stop_signals.hpp"

namespace nb::cli {
namespace {

volatile std::sig_atomic_t received_stop_signal = 0;

extern "C" void on_stop_signal(int signal_number) {
    received_stop_signal = signal_number;
}

} // namespace

sigset_t install_stop_handlers() noexcept {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    sigset_t wait_mask;
    sigprocmask(SIG_BLOCK, &blocked, &wait_mask);
    sigdelset(&wait_mask, SIGINT);
    sigdelset(&wait_mask, SIGTERM);
    return wait_mask;
}

int stop_signal() noexcept {
    return received_stop_signal;
}

} // namespace nb::cli
