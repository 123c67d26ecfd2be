#include "shell/curl_multi.hpp"

#include "base/logger.hpp"

#include <stdexcept>
#include <vector>

namespace nb::daemon {

/// One socket curl asked us to watch; curl keeps the pointer (curl_multi_assign).
struct CurlMulti::Socket {
    CurlMulti* owner = nullptr;
    curl_socket_t fd = CURL_SOCKET_BAD;
    UvHandle<uv_poll_t> poll;
};

namespace {

// curl_global_init once, before the first multi handle (not thread-safe in
// libcurl 7.88; we have one thread).
void init_curl_once() {
    static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        throw std::runtime_error(std::string("curl_global_init: ") + curl_easy_strerror(rc));
    }
}

} // namespace

CurlMulti::CurlMulti(uv_loop_t* loop) : loop_(loop) {
    init_curl_once();
    multi_ = curl_multi_init();
    if (multi_ == nullptr) {
        throw std::runtime_error("curl_multi_init failed");
    }
    if (const int rc = timer_.init(uv_timer_init, loop_, this); rc != 0) {
        curl_multi_cleanup(multi_);
        throw std::runtime_error(std::string("uv_timer_init: ") + uv_strerror(rc));
    }
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() {
    close();
}

bool CurlMulti::add(CURL* easy, Finished finished) {
    if (multi_ == nullptr) {
        return false;
    }
    finished_[easy] = std::move(finished);
    if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
        finished_.erase(easy);
        return false;
    }
    return true; // curl asks for a timer at once (CURLMOPT_TIMERFUNCTION) to start it
}

void CurlMulti::remove(CURL* easy) noexcept {
    if (finished_.erase(easy) != 0 && multi_ != nullptr) {
        curl_multi_remove_handle(multi_, easy); // closes its sockets: on_socket(REMOVE)
    }
}

void CurlMulti::close() noexcept {
    if (multi_ == nullptr) {
        return;
    }
    std::vector<CURL*> left;
    for (const auto& [easy, callback] : finished_) {
        left.push_back(easy);
    }
    for (CURL* easy : left) {
        remove(easy);
    }
    curl_multi_cleanup(multi_);
    multi_ = nullptr;
    timer_.close();
}

int CurlMulti::on_socket(CURL*, curl_socket_t fd, int what, void* self_ptr,
                         void* socket_ptr) noexcept {
    auto* self = static_cast<CurlMulti*>(self_ptr);
    auto* socket = static_cast<Socket*>(socket_ptr);
    if (what == CURL_POLL_REMOVE) {
        if (socket != nullptr) {
            curl_multi_assign(self->multi_, fd, nullptr);
            delete socket; // its UvHandle stops polling and closes
            --self->sockets_;
        }
        return 0;
    }
    if (socket == nullptr) {
        socket = new (std::nothrow) Socket{};
        if (socket == nullptr) {
            return -1;
        }
        socket->owner = self;
        socket->fd = fd;
        if (socket->poll.init(uv_poll_init_socket, self->loop_, socket, fd) != 0) {
            delete socket;
            return -1; // curl fails the transfer
        }
        curl_multi_assign(self->multi_, fd, socket);
        ++self->sockets_;
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
        events |= UV_READABLE;
    }
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
        events |= UV_WRITABLE;
    }
    return uv_poll_start(socket->poll.get(), events, &CurlMulti::on_poll) == 0 ? 0 : -1;
}

int CurlMulti::on_timer(CURLM*, long timeout_ms, void* self_ptr) noexcept {
    auto* self = static_cast<CurlMulti*>(self_ptr);
    if (timeout_ms < 0) {
        uv_timer_stop(self->timer_.get());
        return 0;
    }
    // 0: "at once", but not from inside curl: on the loop's next timer phase.
    return uv_timer_start(self->timer_.get(), &CurlMulti::on_timeout,
                          static_cast<std::uint64_t>(timeout_ms), 0) == 0
               ? 0
               : -1;
}

void CurlMulti::on_poll(uv_poll_t* handle, int status, int events) noexcept {
    auto* socket = static_cast<Socket*>(handle->data);
    if (socket == nullptr) {
        return;
    }
    int flags = 0;
    if (status < 0) {
        flags = CURL_CSELECT_ERR;
    }
    if ((events & UV_READABLE) != 0) {
        flags |= CURL_CSELECT_IN;
    }
    if ((events & UV_WRITABLE) != 0) {
        flags |= CURL_CSELECT_OUT;
    }
    socket->owner->action(socket->fd, flags); // may delete socket
}

void CurlMulti::on_timeout(uv_timer_t* handle) noexcept {
    auto* self = static_cast<CurlMulti*>(handle->data);
    if (self != nullptr) {
        self->action(CURL_SOCKET_TIMEOUT, 0);
    }
}

void CurlMulti::action(curl_socket_t fd, int flags) noexcept {
    if (multi_ == nullptr) {
        return;
    }
    int running = 0;
    curl_multi_socket_action(multi_, fd, flags, &running);
    read_finished();
}

void CurlMulti::read_finished() noexcept {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
        if (message->msg != CURLMSG_DONE) {
            continue;
        }
        CURL* easy = message->easy_handle;
        const CURLcode result = message->data.result;
        const auto found = finished_.find(easy);
        if (found == finished_.end()) {
            continue;
        }
        Finished callback = std::move(found->second);
        remove(easy); // before the callback, which may free easy
        if (callback) {
            callback(result);
        }
        if (multi_ == nullptr) {
            return;
        }
    }
}

} // namespace nb::daemon
