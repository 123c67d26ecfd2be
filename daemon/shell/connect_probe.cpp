#include "shell/connect_probe.hpp"

#include "base/uv_handle.hpp"

#include <cstdlib>

namespace nb::daemon {
namespace {

/// "127.0.0.1:80", "[::1]:80" -> a socket address; false if it is none.
bool to_sockaddr(const std::string& address, sockaddr_storage& out) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
        return false;
    }
    std::string host = address.substr(0, colon);
    const int port = std::atoi(address.c_str() + colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        return uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&out)) == 0;
    }
    return uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&out)) == 0 ||
           uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&out)) == 0;
}

template <class Stream>
class ConnectRun final : public ProbeRun {
public:
    explicit ConnectRun(ProbeDone done) : done_(std::move(done)) {}
    // Closing the stream cancels a pending connect: libuv then calls
    // on_connect with UV_ECANCELED, which finds no run (data cleared) and
    // frees the request, which is the request's own, not the run's.
    ~ConnectRun() override {
        if (request != nullptr) {
            request->data = nullptr;
        }
        stream.close();
    }

    UvHandle<Stream> stream;
    uv_connect_t* request = nullptr;

    static void on_connect(uv_connect_t* pending, int status) noexcept {
        auto* self = static_cast<ConnectRun*>(pending->data);
        delete pending;
        if (self == nullptr) {
            return;
        }
        self->request = nullptr;
        ProbeResult result;
        result.healthy = status == 0;
        if (!result.healthy) {
            try {
                result.detail = std::string("connect: ") + uv_strerror(status);
            } catch (...) {
            }
        }
        self->stream.close();
        ProbeDone done = std::move(self->done_);
        if (done) {
            done(std::move(result)); // may destroy self
        }
    }

private:
    ProbeDone done_;
};

} // namespace

std::unique_ptr<ProbeRun> start_connect_probe(uv_loop_t* loop, const std::string& address,
                                              ProbeDone done) {
    int rc = 0;
    if (address.starts_with('/')) {
        auto run = std::make_unique<ConnectRun<uv_pipe_t>>(done);
        rc = run->stream.init(uv_pipe_init, loop, run.get(), 0);
        if (rc == 0) {
            run->request = new uv_connect_t{};
            run->request->data = run.get();
            // Errors (ENOENT, ECONNREFUSED) come to on_connect, on a later turn.
            uv_pipe_connect(run->request, run->stream.get(), address.c_str(),
                            &ConnectRun<uv_pipe_t>::on_connect);
            return run;
        }
    } else {
        sockaddr_storage target{};
        if (!to_sockaddr(address, target)) {
            done(ProbeResult{false, "'" + address + "' is no address"});
            return nullptr;
        }
        auto run = std::make_unique<ConnectRun<uv_tcp_t>>(done);
        rc = run->stream.init(uv_tcp_init, loop, run.get());
        if (rc == 0) {
            auto* request = new uv_connect_t{};
            request->data = run.get();
            rc = uv_tcp_connect(request, run->stream.get(),
                                reinterpret_cast<const sockaddr*>(&target),
                                &ConnectRun<uv_tcp_t>::on_connect);
            if (rc == 0) {
                run->request = request;
                return run;
            }
            delete request;
        }
    }
    done(ProbeResult{false, std::string("connect: ") + uv_strerror(rc)});
    return nullptr;
}

} // namespace nb::daemon
