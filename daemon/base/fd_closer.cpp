#include "base/fd_closer.hpp"

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <vector>

#include <pthread.h>

namespace nb::daemon {

struct FdCloser::Shared {
    explicit Shared(std::size_t capacity) : ring(capacity) {}

    std::mutex mutex;
    std::condition_variable wake;     ///< the thread: work or stop
    std::condition_variable finished; ///< the destructor: the thread is done
    std::vector<int> ring;            ///< allocated once: no allocation per fd
    std::size_t head = 0;
    std::size_t count = 0;
    std::uint64_t closed = 0;
    bool stop = false;
    bool done = false;
    std::thread::id id;

    void run() noexcept {
        // Signals belong to the loop thread (libuv's handlers).
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, nullptr);
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [this] { return stop || count > 0; });
            if (count == 0) {
                break; // stop, and nothing left to close
            }
            const int fd = ring[head];
            // Still counted as pending while it closes: a barrier's answer
            // (its fd's close) comes after every close queued before it.
            lock.unlock();
            ::close(fd);
            lock.lock();
            head = (head + 1) % ring.size();
            --count;
            ++closed;
        }
        done = true;
        finished.notify_all();
    }
};

FdCloser::FdCloser(std::size_t capacity)
    : shared_(std::make_shared<Shared>(capacity == 0 ? 1 : capacity)) {
    try {
        thread_ = std::thread([shared = shared_] { shared->run(); });
        const std::lock_guard lock(shared_->mutex);
        shared_->id = thread_.get_id();
    } catch (...) {
        // No thread (EAGAIN): close_later() closes inline, as before.
    }
}

FdCloser::~FdCloser() {
    if (!thread_.joinable()) {
        return;
    }
    std::unique_lock lock(shared_->mutex);
    shared_->stop = true;
    shared_->wake.notify_all();
    // A close that hangs for good must not hang the exit with it.
    const bool done =
        shared_->finished.wait_for(lock, std::chrono::seconds(1), [this] { return shared_->done; });
    lock.unlock();
    if (done) {
        thread_.join();
    } else {
        thread_.detach(); // holds its own reference to shared_; exit() ends it
    }
}

bool FdCloser::close_later(UniqueFd fd) noexcept {
    if (!fd) {
        return true;
    }
    if (thread_.joinable()) {
        const std::lock_guard lock(shared_->mutex);
        if (shared_->count < shared_->ring.size()) {
            const auto tail = (shared_->head + shared_->count) % shared_->ring.size();
            shared_->ring[tail] = fd.release();
            ++shared_->count;
            shared_->wake.notify_one();
            return true;
        }
    }
    ++overflowed_;
    fd.reset();
    return false;
}

std::size_t FdCloser::pending() const noexcept {
    const std::lock_guard lock(shared_->mutex);
    return shared_->count;
}

std::uint64_t FdCloser::closed() const noexcept {
    const std::lock_guard lock(shared_->mutex);
    return shared_->closed;
}

std::thread::id FdCloser::thread_id() const noexcept {
    const std::lock_guard lock(shared_->mutex);
    return shared_->id;
}

} // namespace nb::daemon
