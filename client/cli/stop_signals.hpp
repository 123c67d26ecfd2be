#pragma once
// SIGINT and SIGTERM for the CLI's commands that wait (listen, watch): the
// handler records which signal came; both are blocked except inside ppoll()
// with the mask install_stop_handlers() returns, so a signal cannot slip in
// between the check of stop_signal() and the wait.
// Thread-safety: the main thread only.

#include <csignal>

namespace nb::cli {

/// Installs the handlers and blocks both signals; returns the mask for ppoll().
[[nodiscard]] sigset_t install_stop_handlers() noexcept;

/// The signal that asked us to stop; 0 until one did.
[[nodiscard]] int stop_signal() noexcept;

} // namespace nb::cli
