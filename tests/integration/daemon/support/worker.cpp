#include "worker.hpp"

#include <nb/client/notifier.hpp>

#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace nb::test {

bool send_with_barrier(const std::string& socket_path, const std::vector<std::string>& messages) {
    client::Notifier notifier(socket_path);
    for (const auto& message : messages) {
        if (!notifier.notify(message).sent() || !notifier.barrier(std::chrono::seconds(5)).sent()) {
            return false;
        }
    }
    return true;
}

bool barrier(const std::string& socket_path) {
    client::Notifier notifier(socket_path);
    return notifier.barrier(std::chrono::seconds(5)).sent();
}

Worker::Worker(Worker&& other) noexcept
    : process_(std::move(other.process_))
    , done_fd_(std::exchange(other.done_fd_, -1)) {}

Worker::~Worker() {
    if (done_fd_ >= 0) {
        ::close(done_fd_);
    }
}

bool Worker::wait_sent(std::chrono::milliseconds timeout) {
    pollfd entry{done_fd_, POLLIN, 0};
    char byte = 0;
    return ::poll(&entry, 1, static_cast<int>(timeout.count())) == 1 &&
           ::read(done_fd_, &byte, 1) == 1 && byte == 'y';
}

Worker start_worker(const std::string& socket_path, std::vector<std::string> messages,
                    const std::function<bool()>& setup) {
    int done[2];
    if (::pipe2(done, 0) != 0) { // not O_CLOEXEC: the forked child keeps the write end
        throw std::runtime_error("pipe2 failed");
    }
    SpawnOptions options;
    options.stdin_pipe = true;
    auto process = ChildProcess::fork(
        [&socket_path, &messages, &done, &setup] {
            ::close(done[0]);
            if (setup && !setup()) {
                return 3;
            }
            const bool ok = send_with_barrier(socket_path, messages);
            const char byte = ok ? 'y' : 'n';
            [[maybe_unused]] const auto written = ::write(done[1], &byte, 1);
            ::close(done[1]);
            char in = 0;
            while (::read(STDIN_FILENO, &in, 1) > 0) {
            }
            return ok ? 0 : 1;
        },
        options);
    ::close(done[1]);
    ::fcntl(done[0], F_SETFD, FD_CLOEXEC); // later children must not hold it
    return Worker(std::move(process), done[0]);
}

} // namespace nb::test
