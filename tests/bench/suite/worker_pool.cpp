#include "worker_pool.hpp"

#include "net.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <initializer_list>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::bench {
namespace {

struct Pipe {
    UniqueFd read, write;
};

Pipe make_pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        fail_errno("pipe2");
    }
    return {UniqueFd(ends[0]), UniqueFd(ends[1])};
}

bool read_one(int fd) noexcept {
    char byte = 0;
    while (true) {
        const auto got = ::read(fd, &byte, 1);
        if (got == 1) {
            return true;
        }
        if (got == 0 || errno != EINTR) {
            return false;
        }
    }
}

void write_one(int fd) noexcept {
    const char byte = 'x';
    while (::write(fd, &byte, 1) < 0 && errno == EINTR) {
    }
}

// In the child: only sockets, pipes and _exit from here on.
[[noreturn]] void run_worker(const PoolSpec& spec, const std::string& hello, bool takes_part,
                             int hello_fd, int go_fd, int done_fd, int hold_fd,
                             std::initializer_list<int> parent_ends) {
    // Our copies of the parent's ends would keep us from ever seeing EOF.
    for (const int fd : parent_ends) {
        ::close(fd);
    }
    int code = 0;
    try {
        UniqueFd socket = connect_datagram(spec.socket_path);
        if (!send_text(socket.get(), hello)) {
            ::_exit(2);
        }
        write_one(hello_fd);
        if (takes_part && read_one(go_fd)) {
            for (std::size_t i = 0; i < spec.round; ++i) {
                if (!send_text(socket.get(), spec.round_text)) {
                    code = 3;
                    break;
                }
            }
            if (spec.barrier_after_round &&
                !send_barrier(socket.get(), std::chrono::milliseconds(60'000))) {
                code = 4;
            }
            write_one(done_fd);
        }
        read_one(hold_fd); // EOF when the pool is destroyed
    } catch (...) {
        code = 5;
    }
    ::_exit(code);
}

} // namespace

WorkerPool::WorkerPool(const PoolSpec& spec)
    : workers_(spec.workers)
    , active_(std::min(spec.workers, spec.active)) {
    Pipe hello = make_pipe();
    Pipe go = make_pipe();
    Pipe done = make_pipe();
    Pipe hold = make_pipe();
    pids_.reserve(spec.workers);
    for (std::size_t i = 0; i < spec.workers; ++i) {
        const std::string text = spec.hello(i);
        const pid_t pid = ::fork();
        if (pid < 0) {
            fail_errno("fork worker " + std::to_string(i));
        }
        if (pid == 0) {
            run_worker(spec, text, i < spec.active, hello.write.get(), go.read.get(),
                       done.write.get(), hold.read.get(),
                       {hello.read.get(), go.write.get(), done.read.get(), hold.write.get()});
        }
        pids_.push_back(pid);
    }
    hello_read_ = std::move(hello.read);
    go_write_ = std::move(go.write);
    done_read_ = std::move(done.read);
    hold_write_ = std::move(hold.write);
    hello.write.reset(); // the workers hold their own copies
    done.write.reset();
    if (!read_bytes(hello_read_.get(), workers_, std::chrono::milliseconds(120'000))) {
        throw std::runtime_error("workers did not all say hello");
    }
}

WorkerPool::~WorkerPool() {
    go_write_.reset();
    hold_write_.reset();
    for (const pid_t pid : pids_) {
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
}

bool WorkerPool::go(std::chrono::milliseconds timeout) {
    std::string bytes(active_, 'g');
    std::size_t written = 0;
    while (written < bytes.size()) {
        const auto n = ::write(go_write_.get(), bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno != EINTR) {
            return false;
        }
        written += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    return read_bytes(done_read_.get(), active_, timeout);
}

bool WorkerPool::read_bytes(int fd, std::size_t count, std::chrono::milliseconds timeout) {
    std::array<char, 4096> buffer{};
    const auto deadline = Clock::now() + timeout;
    while (count > 0) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd entry{fd, POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) {
            continue;
        }
        const auto got = ::read(fd, buffer.data(), std::min(buffer.size(), count));
        if (got == 0) {
            return false; // every worker has exited
        }
        if (got > 0) {
            count -= static_cast<std::size_t>(got);
        }
    }
    return true;
}

} // namespace nb::bench
