#include "shell/upstream.hpp"

#include "base/logger.hpp"
#include "base/rate_limited_log.hpp"
#include "base/uv_handle.hpp"
#include "core/upstream_queue.hpp"
#include "shell/upstream_socket.hpp"
#include "shell/vsock_transfer.hpp"

#include <nb/proto/notify_address.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <poll.h>

namespace nb::daemon {
namespace {

using Clock = std::chrono::steady_clock;

/// First retry after the receiver was missing; doubled up to retry_max.
constexpr std::chrono::milliseconds retry_min{20};
constexpr std::chrono::milliseconds retry_max{1000};
/// How long close() waits for a stalled receiver to take the last datagrams.
constexpr std::chrono::milliseconds exit_grace{1000};

/// One log line for a multi-line payload: "READY=1\nSTATUS=x" -> "READY=1 | STATUS=x".
std::string one_line(std::string_view payload) {
    std::string text;
    text.reserve(payload.size() + 8);
    for (const char c : payload) {
        if (c == '\n') {
            text += " | ";
        } else {
            text += c;
        }
    }
    return text;
}

/// Errors that mean "nobody receives there (yet)": keep the datagram, retry later.
bool receiver_missing(int error) noexcept {
    switch (error) {
    case ENOENT:
    case ECONNREFUSED:
    case ENOTCONN:
    case ECONNRESET:
    case EPIPE:
    case EDESTADDRREQ:
    case ETIMEDOUT:    // vsock: the host did not answer the connect
    case EHOSTUNREACH: // vsock: no such CID (yet)
    case ENETUNREACH:
    case ENOBUFS:
    case ENOMEM:
        return true;
    default:
        return false;
    }
}

} // namespace

struct Upstream::State {
    explicit State(std::string text) : address(std::move(text)) {
        if (!address.empty()) {
            if (auto result = proto::NotifyAddress::parse(address)) {
                parsed = std::move(result.value());
            } else {
                parse_error = result.error().message;
            }
        }
    }

    std::string address;
    std::optional<proto::NotifyAddress> parsed;
    std::string parse_error;
    VsockTransfer vsock;                  ///< a vsock address: the transfer in flight
    std::optional<std::string> vsock_now; ///< its datagram, out of the queue
    core::UpstreamQueue queue;
    FdStoreQueue fd_store;
    UpstreamSocket socket;
    uv_loop_t* loop = nullptr;
    UvHandle<uv_poll_t> writable; ///< polls the socket while the receiver is full
    int writable_fd = -1;
    UvHandle<uv_timer_t> retry; ///< while the receiver is missing
    std::chrono::milliseconds backoff = retry_min;
    std::optional<Clock::time_point> stalled_since;
    std::uint64_t superseded_at_stall = 0;
    RateLimitedLog failure_log{5, std::chrono::milliseconds(10'000)};
    std::uint64_t sent = 0;
    std::uint64_t failed = 0;
    bool closed = false;

    [[nodiscard]] bool unix_socket() const noexcept {
        return parsed && parsed->kind != proto::NotifyAddress::Kind::vsock;
    }
    [[nodiscard]] bool waiting() const noexcept {
        return (writable && uv_is_active(writable.base()) != 0) ||
               (retry && uv_is_active(retry.base()) != 0);
    }

    void log_failure(const std::string& text) noexcept {
        failure_log.log(LogLevel::warning, text, Clock::now());
    }

    void mark_sent(std::string_view datagram) {
        ++sent;
        if (log_enabled(LogLevel::debug)) {
            log(LogLevel::debug, "upstream: " + one_line(datagram));
        }
    }

    [[nodiscard]] bool empty() const noexcept {
        return queue.empty() && fd_store.empty() && !vsock_now;
    }

    /// The datagram to send next: the lifecycle/status queue first, then the fd store's.
    [[nodiscard]] std::string front() const {
        return queue.empty() ? fd_store.front_text() : queue.front();
    }
    void pop() noexcept {
        if (!queue.empty()) {
            queue.pop();
        } else {
            fd_store.pop(); // closes the fd the kernel has its own reference of now
        }
    }

    /// Sends from the front of the queues until they are empty or the socket refuses.
    void flush() noexcept {
        if (!unix_socket()) {
            flush_vsock();
            return;
        }
        try {
            while (!empty()) {
                if (!socket.is_open()) {
                    if (const int error = socket.connect(*parsed); error != 0) {
                        if (!refused(error, "connect to")) {
                            return;
                        }
                        continue;
                    }
                }
                const std::string datagram = front();
                const bool fd_store_entry = queue.empty();
                const int error =
                    socket.send(datagram, fd_store_entry ? fd_store.front_fd().get() : -1);
                if (error == 0) {
                    pop();
                    if (!fd_store_entry) {
                        mark_sent(datagram); // sent() counts the core's datagrams only
                    }
                    resumed();
                    continue;
                }
                if (error == EAGAIN) {
                    stalled();
                    wait_for(socket.fd(), UV_WRITABLE);
                    return;
                }
                if (!refused(error, "send to")) {
                    return;
                }
            }
        } catch (...) {
            ++failed; // std::bad_alloc
        }
    }

    /// vsock: one VsockTransfer per datagram, the queue's front taken out while
    /// it is in flight (a newer STATUS must not change a message half sent).
    void flush_vsock() noexcept {
        try {
            while (vsock_now || !queue.empty()) {
                if (!vsock_now) {
                    vsock_now = queue.front();
                    queue.pop();
                }
                const auto status =
                    vsock.in_flight() ? vsock.step() : vsock.start(*parsed, *vsock_now);
                if (status == VsockTransfer::Status::waiting) {
                    wait_for(vsock.fd(), vsock.wants_write() ? UV_WRITABLE : UV_READABLE);
                    return;
                }
                close_poll(); // the transfer's socket is closed by now
                if (status == VsockTransfer::Status::done) {
                    mark_sent(*vsock_now);
                    vsock_now.reset();
                    resumed();
                    continue;
                }
                const int error = vsock.error();
                if (receiver_missing(error)) {
                    log_failure("upstream send to " + address + " failed: " + std::strerror(error) +
                                "; retrying (" + std::to_string(queue.size() + 1) +
                                " datagram(s) queued)");
                    schedule_retry();
                    return;
                }
                ++failed;
                log_failure("upstream send to " + address + " failed: " + std::strerror(error) +
                            "; dropped " + one_line(*vsock_now));
                vsock_now.reset();
            }
        } catch (...) {
            ++failed; // std::bad_alloc
        }
    }

    /// A connect or send failed with error. Returns true if the front datagram
    /// was dropped (flush may go on), false if it waits for a retry.
    bool refused(int error, const char* what) {
        close_socket();
        if (receiver_missing(error)) {
            log_failure(std::string("upstream ") + what + " " + address +
                        " failed: " + std::strerror(error) + "; retrying (" +
                        std::to_string(queue.size() + fd_store.size()) + " datagram(s) queued)");
            schedule_retry();
            return false;
        }
        ++failed;
        log_failure(std::string("upstream ") + what + " " + address +
                    " failed: " + std::strerror(error) + "; dropped " + one_line(front()));
        pop();
        return true;
    }

    void stalled() {
        if (stalled_since) {
            return;
        }
        stalled_since = Clock::now();
        superseded_at_stall = queue.superseded();
        log(LogLevel::notice, "upstream " + address +
                                  " is not reading (its queue is full): queueing, newest "
                                  "STATUS and WATCHDOG only");
    }

    void resumed() {
        backoff = retry_min;
        if (!stalled_since || !empty()) {
            return;
        }
        const auto waited =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *stalled_since);
        stalled_since.reset();
        log(LogLevel::notice, "upstream " + address + " reads again after " +
                                  std::to_string(waited.count()) + " ms; " +
                                  std::to_string(queue.superseded() - superseded_at_stall) +
                                  " stale value(s) replaced meanwhile");
    }

    /// Polls fd for events (UV_WRITABLE, or UV_READABLE for a vsock peer's EOF).
    void wait_for(int fd, int events) noexcept {
        if (loop == nullptr) {
            return; // not attached: the next send() tries again
        }
        if (!writable || writable_fd != fd) {
            close_poll();
            if (writable.init(uv_poll_init, loop, this, fd) != 0) {
                schedule_retry(); // cannot poll: fall back to the timer
                return;
            }
            writable_fd = fd;
        }
        if (uv_poll_start(writable.get(), events, on_writable) != 0) {
            schedule_retry();
        }
    }

    void close_poll() noexcept {
        writable.close();
        writable_fd = -1;
    }

    /// At exit, with no loop: waits up to `left` for what flush() waits for.
    void wait_blocking(std::chrono::milliseconds left) noexcept {
        pollfd watched{-1, 0, 0};
        if (vsock.in_flight()) {
            watched = {vsock.fd(), static_cast<short>(vsock.wants_write() ? POLLOUT : POLLIN), 0};
        } else if (unix_socket() && socket.is_open()) {
            watched = {socket.fd(), POLLOUT, 0};
        }
        // Without a socket (receiver missing) poll() only sleeps a retry step.
        (void)::poll(watched.fd >= 0 ? &watched : nullptr, watched.fd >= 0 ? 1 : 0,
                     static_cast<int>(std::min(left, retry_min).count()) + 1);
    }

    void schedule_retry() noexcept {
        if (loop == nullptr) {
            return;
        }
        if (!retry && retry.init(uv_timer_init, loop, this) != 0) {
            return;
        }
        if (uv_is_active(retry.base()) != 0) {
            return;
        }
        (void)uv_timer_start(retry.get(), on_retry, static_cast<std::uint64_t>(backoff.count()), 0);
        backoff = std::min(backoff * 2, retry_max);
    }

    void close_socket() noexcept {
        // The poll goes before its fd (libuv must not watch a closed fd).
        close_poll();
        socket.close();
        vsock.reset();
    }

    static void on_writable(uv_poll_t* handle, int /*status*/, int /*events*/) noexcept {
        auto* self = static_cast<State*>(handle->data);
        if (self == nullptr) {
            return;
        }
        (void)uv_poll_stop(handle);
        self->flush();
    }

    static void on_retry(uv_timer_t* handle) noexcept {
        auto* self = static_cast<State*>(handle->data);
        if (self != nullptr) {
            self->flush();
        }
    }
};

Upstream Upstream::from_environment() {
    const char* value = std::getenv("NOTIFY_SOCKET");
    std::string address = value == nullptr ? std::string() : std::string(value);
    ::unsetenv("NOTIFY_SOCKET");
    return Upstream(std::move(address));
}

Upstream::Upstream(std::string address) : state_(std::make_unique<State>(std::move(address))) {}
Upstream::~Upstream() {
    close();
}
Upstream::Upstream(Upstream&&) noexcept = default;
Upstream& Upstream::operator=(Upstream&&) noexcept = default;

void Upstream::attach(uv_loop_t* loop) noexcept {
    state_->loop = loop;
    if (!state_->empty()) {
        state_->flush();
    }
}

void Upstream::send(std::string_view payload) noexcept {
    State& s = *state_;
    try {
        if (s.address.empty()) {
            log(LogLevel::info, "upstream (no NOTIFY_SOCKET): " + one_line(payload));
            ++s.sent;
            return;
        }
        if (!s.parsed) {
            ++s.failed;
            s.log_failure("upstream send to " + s.address + " failed: " + s.parse_error);
            return;
        }
        s.queue.push(payload);
        if (!s.waiting()) {
            s.flush();
        }
    } catch (...) {
        ++s.failed; // std::bad_alloc
    }
}

FdStoreQueue& Upstream::fd_store() noexcept {
    return state_->fd_store;
}
const FdStoreQueue& Upstream::fd_store() const noexcept {
    return state_->fd_store;
}

void Upstream::send_fd_store() noexcept {
    State& s = *state_;
    if (!s.unix_socket()) {
        s.fd_store.clear(); // nowhere to send fds: close them
        return;
    }
    if (!s.waiting()) {
        s.flush();
    }
}

bool Upstream::can_pass_fds() const noexcept {
    return state_->unix_socket();
}

void Upstream::close() noexcept {
    if (!state_ || state_->closed) {
        return; // moved from, or closed already
    }
    State& s = *state_;
    s.closed = true;
    s.loop = nullptr; // no more handles: this waits by itself
    s.retry.close();
    const auto deadline = Clock::now() + exit_grace;
    if (s.parsed) {
        s.flush();
        while (!s.empty() && Clock::now() < deadline) {
            s.wait_blocking(
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
            s.flush();
        }
        if (!s.empty()) {
            log(LogLevel::warning,
                std::to_string(s.queue.size() + s.fd_store.size() + (s.vsock_now ? 1 : 0)) +
                    " datagram(s) not delivered upstream: " + s.address +
                    " did not take them within 1 s of exiting");
        }
    }
    s.fd_store.clear(); // closes the fds of what did not go
    s.close_socket();
}

bool Upstream::has_socket() const noexcept {
    return !state_->address.empty();
}
bool Upstream::address_valid() const noexcept {
    return !has_socket() || state_->parsed.has_value();
}
const std::string& Upstream::address() const noexcept {
    return state_->address;
}
std::uint64_t Upstream::sent() const noexcept {
    return state_->sent;
}
std::uint64_t Upstream::failed() const noexcept {
    return state_->failed;
}
std::size_t Upstream::queued() const noexcept {
    return state_->queue.size();
}

} // namespace nb::daemon
