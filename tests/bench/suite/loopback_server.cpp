#include "loopback_server.hpp"

#include "net.hpp"

#include <array>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace nb::bench {
namespace {

constexpr std::string_view http_answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                         "Connection: close\r\n\r\nok";
/// How long a connection may take to send its request head (a stuck client
/// must not stall the others for long; the broker's runs take microseconds).
constexpr int request_timeout_ms = 1000;

} // namespace

LoopbackServer::LoopbackServer(Mode mode) : mode_(mode) {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_) {
        fail_errno("socket");
    }
    const int on = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0 ||
        ::listen(listener_.get(), 1024) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        fail_errno("listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        fail_errno("pipe2");
    }
    stop_read_.reset(pipe_fds[0]);
    stop_write_.reset(pipe_fds[1]);
    thread_ = std::thread([this] { serve(); });
}

LoopbackServer::~LoopbackServer() {
    const char byte = 0;
    [[maybe_unused]] const auto n = ::write(stop_write_.get(), &byte, 1);
    thread_.join();
}

void LoopbackServer::serve() noexcept {
    while (true) {
        std::array<pollfd, 2> fds{pollfd{listener_.get(), POLLIN, 0},
                                  pollfd{stop_read_.get(), POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            continue; // EINTR
        }
        if (fds[1].revents != 0) {
            return;
        }
        while (true) {
            UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!connection) {
                break; // EAGAIN: the backlog is empty
            }
            if (mode_ == Mode::http) {
                answer(connection.get());
            }
            served_.fetch_add(1);
        }
    }
}

void LoopbackServer::answer(int connection) noexcept {
    std::array<char, 4096> buffer{};
    std::string_view head;
    std::size_t have = 0;
    while (head.find("\r\n\r\n") == std::string_view::npos && have < buffer.size()) {
        pollfd entry{connection, POLLIN, 0};
        if (::poll(&entry, 1, request_timeout_ms) <= 0) {
            return;
        }
        const auto got = ::read(connection, buffer.data() + have, buffer.size() - have);
        if (got <= 0) {
            return;
        }
        have += static_cast<std::size_t>(got);
        head = std::string_view(buffer.data(), have);
    }
    [[maybe_unused]] const auto n =
        ::send(connection, http_answer.data(), http_answer.size(), MSG_NOSIGNAL);
}

} // namespace nb::bench
