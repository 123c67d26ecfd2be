#pragma once
// One signal delivered on the loop (uv_signal), calling a handler there.
// Thread-safety: the loop thread only.

#include "base/uv_handle.hpp"

#include <functional>

namespace nb::daemon {

class SignalWatcher {
public:
    /// Starts watching signum. Throws std::runtime_error if libuv refuses.
    SignalWatcher(uv_loop_t* loop, int signum, std::function<void(int)> handler);
    void close() noexcept { signal_.close(); }

private:
    static void on_signal(uv_signal_t* handle, int signum) noexcept;

    UvHandle<uv_signal_t> signal_;
    std::function<void(int)> handler_;
};

} // namespace nb::daemon
