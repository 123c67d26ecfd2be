#include "shell/socket_reader.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace nb::daemon {

SocketReader::SocketReader(uv_loop_t* loop, int socket_fd, BatchHandler handler)
    : loop_(loop)
    , socket_fd_(socket_fd)
    , handler_(std::move(handler)) {}

void SocketReader::start() {
    int rc = poll_.init(uv_poll_init, loop_, this, socket_fd_);
    if (rc == 0) {
        rc = uv_poll_start(poll_.get(), UV_READABLE, &SocketReader::on_readable);
    }
    if (rc != 0) {
        throw std::runtime_error(std::string("polling the worker socket: ") + uv_strerror(rc));
    }
}

void SocketReader::on_readable(uv_poll_t* handle, int status, int /*events*/) noexcept {
    auto* self = static_cast<SocketReader*>(handle->data);
    if (self == nullptr) {
        return;
    }
    if (status < 0) {
        self->error_log_.log(LogLevel::err,
                             std::string("worker socket poll: ") + uv_strerror(status),
                             RateLimitedLog::Clock::now());
        return;
    }
    self->read_batch();
}

void SocketReader::drain(int max_batches) noexcept {
    for (int i = 0; i < max_batches && read_batch() > 0; ++i) {
    }
}

int SocketReader::read_batch() noexcept {
    const auto now = RateLimitedLog::Clock::now();
    const int count = batch_.receive(socket_fd_);
    if (count < 0) {
        // ENOBUFS/ENOMEM under memory pressure: try again on the next wake-up.
        error_log_.log(LogLevel::err,
                       std::string("recvmmsg on the worker socket: ") + std::strerror(-count), now);
        return count;
    }
    if (count == 0) {
        return 0;
    }
    try {
        handler_(batch_.datagrams());
    } catch (...) {
        error_log_.log(LogLevel::err, "datagram handler failed", now);
    }
    return count;
}

} // namespace nb::daemon
