#include "shell/exec_probe.hpp"

#include "base/unique_fd.hpp"
#include "base/uv_handle.hpp"

#include <array>
#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

// What a probe command sees: no inherited secrets, a plain PATH.
constexpr std::array<const char*, 2> probe_environment{
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", nullptr};

class ExecRun final : public ProbeRun {
public:
    explicit ExecRun(ProbeDone done) : done_(std::move(done)) {}

    ~ExecRun() override {
        output_.close();
        if (process_ == nullptr) {
            return;
        }
        process_->data = nullptr;
        if (exited_) {
            uv_close(reinterpret_cast<uv_handle_t*>(process_), &free_process);
            return;
        }
        // Still running (timed out, or the broker stops): kill it, and let the
        // handle live until libuv reaps the child, so no zombie stays behind.
        uv_process_kill(process_, SIGKILL);
        process_->exit_cb = [](uv_process_t* process, std::int64_t, int) noexcept {
            uv_close(reinterpret_cast<uv_handle_t*>(process), &free_process);
        };
    }

    /// Returns the error of uv_spawn (0: running).
    int spawn(uv_loop_t* loop, const std::vector<std::string>& command) {
        // One pipe for stdout and stderr: the child gets the write end twice,
        // we read the other; ours is closed as soon as the child has its copy.
        int ends[2] = {-1, -1};
        if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) {
            return -errno;
        }
        UniqueFd read_end(ends[0]);
        UniqueFd write_end(ends[1]);
        if (const int rc = output_.init(uv_pipe_init, loop, this, 0); rc != 0) {
            return rc;
        }
        if (const int rc = uv_pipe_open(output_.get(), read_end.get()); rc != 0) {
            return rc;
        }
        static_cast<void>(
            read_end.release()); // the uv_pipe owns it now, and closes it with the handle
        std::vector<char*> argv;
        for (const auto& word : command) {
            argv.push_back(const_cast<char*>(word.c_str()));
        }
        argv.push_back(nullptr);
        std::array<uv_stdio_container_t, 3> stdio{};
        stdio[0].flags = UV_IGNORE;
        stdio[1].flags = UV_INHERIT_FD;
        stdio[1].data.fd = write_end.get();
        stdio[2].flags = UV_INHERIT_FD;
        stdio[2].data.fd = write_end.get();
        uv_process_options_t options{};
        options.file = argv[0];
        options.args = argv.data();
        options.env = const_cast<char**>(probe_environment.data());
        options.cwd = "/";
        options.stdio = stdio.data();
        options.stdio_count = static_cast<int>(stdio.size());
        options.exit_cb = &on_exit;
        auto* process = new uv_process_t{};
        process->data = this;
        if (const int rc = uv_spawn(loop, process, &options); rc != 0) {
            // libuv registered the handle even though the spawn failed: close it.
            uv_close(reinterpret_cast<uv_handle_t*>(process), &free_process);
            return rc;
        }
        process_ = process;
        uv_read_start(reinterpret_cast<uv_stream_t*>(output_.get()), &on_alloc, &on_read);
        return 0;
    }

private:
    static void free_process(uv_handle_t* handle) noexcept {
        delete reinterpret_cast<uv_process_t*>(handle);
    }

    static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
        auto* self = static_cast<ExecRun*>(handle->data);
        buf->base = self->buffer_.data();
        buf->len = self->buffer_.size();
    }

    static void on_read(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) noexcept {
        auto* self = static_cast<ExecRun*>(stream->data);
        if (self == nullptr) {
            return;
        }
        if (n < 0) {
            uv_read_stop(stream); // EOF: the child (and what it spawned) closed it
            return;
        }
        const std::size_t room =
            probe_output_limit - std::min(probe_output_limit, self->text_.size());
        self->text_.append(buf->base, std::min(room, static_cast<std::size_t>(n)));
    }

    static void on_exit(uv_process_t* process, std::int64_t status, int signal) noexcept {
        auto* self = static_cast<ExecRun*>(process->data);
        if (self == nullptr) {
            return;
        }
        self->exited_ = true;
        ProbeResult result;
        result.healthy = status == 0 && signal == 0;
        if (!result.healthy) {
            try {
                result.detail = signal != 0 ? "killed by signal " + std::to_string(signal)
                                            : "exit status " + std::to_string(status);
                if (!self->text_.empty()) {
                    result.detail += ": " + self->text_;
                }
            } catch (...) {
            }
        }
        ProbeDone done = std::move(self->done_);
        if (done) {
            done(std::move(result)); // may destroy self
        }
    }

    ProbeDone done_;
    UvHandle<uv_pipe_t> output_;
    uv_process_t* process_ = nullptr;
    bool exited_ = false;
    std::string text_;
    std::array<char, 256> buffer_{};
};

} // namespace

std::unique_ptr<ProbeRun> start_exec_probe(uv_loop_t* loop, const std::vector<std::string>& command,
                                           ProbeDone done) {
    auto run = std::make_unique<ExecRun>(done);
    if (const int rc = run->spawn(loop, command); rc != 0) {
        run.reset();
        done(ProbeResult{false, "cannot run " + command.front() + ": " + uv_strerror(rc)});
        return nullptr;
    }
    return run;
}

} // namespace nb::daemon
