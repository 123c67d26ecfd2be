#pragma once
// libcurl's multi interface driven by the broker's libuv loop, as curl's own
// docs/examples/multi-uv.c does it: curl says which sockets to watch
// (CURLMOPT_SOCKETFUNCTION: one uv_poll each) and when to call it back
// (CURLMOPT_TIMERFUNCTION: one uv_timer); the loop calls
// curl_multi_socket_action() for each, and finished transfers are handed to
// their owners. Nothing blocks: no curl_multi_perform/wait loop, no thread.
// Thread-safety: the loop thread only.

#include "base/uv_handle.hpp"

#include <uv.h>

#include <functional>
#include <memory>
#include <unordered_map>

#include <curl/curl.h>

namespace nb::daemon {

class CurlMulti {
public:
    /// Called once per finished transfer with curl's result for it.
    using Finished = std::function<void(CURLcode)>;

    /// Throws std::runtime_error when curl or libuv refuse.
    explicit CurlMulti(uv_loop_t* loop);
    ~CurlMulti();
    CurlMulti(const CurlMulti&) = delete;
    CurlMulti& operator=(const CurlMulti&) = delete;

    /// Starts the transfer of `easy` (owned by the caller until remove()).
    /// False when curl refuses it.
    bool add(CURL* easy, Finished finished);
    /// Stops a transfer (finished or not); no callback after this.
    void remove(CURL* easy) noexcept;
    /// Removes every transfer and closes the handles (shutdown). Idempotent.
    void close() noexcept;

    [[nodiscard]] std::size_t transfers() const noexcept { return finished_.size(); }
    [[nodiscard]] std::size_t sockets() const noexcept { return sockets_; }

private:
    struct Socket;
    static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket) noexcept;
    static int on_timer(CURLM* multi, long timeout_ms, void* self) noexcept;
    static void on_poll(uv_poll_t* handle, int status, int events) noexcept;
    static void on_timeout(uv_timer_t* handle) noexcept;
    void action(curl_socket_t fd, int flags) noexcept;
    void read_finished() noexcept;

    uv_loop_t* loop_;
    CURLM* multi_ = nullptr;
    UvHandle<uv_timer_t> timer_;
    std::unordered_map<CURL*, Finished> finished_;
    std::size_t sockets_ = 0;
};

} // namespace nb::daemon
