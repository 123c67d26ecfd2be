#include "loop_process.hpp"

#include <csignal>

#include <unistd.h>

namespace nb::test {

int LoopProcess::spawn(uv_loop_t* loop, std::vector<std::string> argv,
                       std::vector<std::string> env) {
    std::vector<char*> args;
    for (auto& a : argv) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    std::vector<std::string> environment = std::move(env);
    for (char** e = environ; *e != nullptr; ++e) {
        environment.emplace_back(*e); // later duplicates lose: getenv takes the first
    }
    std::vector<char*> envp;
    for (auto& e : environment) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    for (Pipe* p : {&stdout_, &stderr_}) {
        uv_pipe_init(loop, &p->handle, 0);
        p->handle.data = p;
        p->owner = this;
    }
    stdout_.sink = &out_;
    stderr_.sink = &err_;

    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&stdout_.handle);
    stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&stderr_.handle);

    uv_process_options_t options{};
    options.file = args[0];
    options.args = args.data();
    options.env = envp.data();
    options.stdio = stdio;
    options.stdio_count = 3;
    options.exit_cb = [](uv_process_t* p, std::int64_t status, int signal) {
        auto* self = static_cast<LoopProcess*>(p->data);
        self->exit_status_ = status;
        self->term_signal_ = signal;
        uv_close(reinterpret_cast<uv_handle_t*>(p),
                 [](uv_handle_t* h) { static_cast<LoopProcess*>(h->data)->exited_ = true; });
    };
    process_.data = this;
    open_pipes_ = 2;
    if (const int rc = uv_spawn(loop, &process_, &options); rc < 0) {
        for (Pipe* p : {&stdout_, &stderr_}) {
            uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), nullptr);
        }
        open_pipes_ = 0;
        exited_ = true;
        uv_close(reinterpret_cast<uv_handle_t*>(&process_), nullptr);
        return rc;
    }
    for (Pipe* p : {&stdout_, &stderr_}) {
        uv_read_start(
            reinterpret_cast<uv_stream_t*>(&p->handle),
            [](uv_handle_t*, size_t size, uv_buf_t* buf) {
                buf->base = new char[size];
                buf->len = size;
            },
            [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                auto* pipe = static_cast<Pipe*>(s->data);
                if (n > 0) {
                    pipe->sink->append(buf->base, static_cast<std::size_t>(n));
                } else if (n < 0) {
                    uv_close(reinterpret_cast<uv_handle_t*>(s), [](uv_handle_t* h) {
                        --static_cast<Pipe*>(h->data)->owner->open_pipes_;
                    });
                }
                delete[] buf->base;
            });
    }
    return 0;
}

void LoopProcess::kill(int signum) {
    if (!exited_) {
        uv_process_kill(&process_, signum);
    }
}

} // namespace nb::test
