#include "dbus/bus_opener.hpp"

#include "dbus/bus_connection.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <sdbus-c++/Error.h>

#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

namespace nb::dbus {

struct BusOpener::Attempt {
    std::mutex mutex;
    /// The loop's wake-up handle; null once the loop side gave the attempt up
    /// (then the handle may be closed and freed at any time).
    uv_async_t* wake = nullptr;
    std::optional<Result> result;
    std::atomic<bool> running{true};
};

namespace {

BusOpener::Result open_with_match(const std::string& bus, const std::string& rule,
                                  BusOpener::MatchFn on_match) noexcept {
    BusOpener::Result result;
    try {
        result.connection = open_bus(bus);
        result.match = sdbus_seam::add_match(*result.connection, rule, std::move(on_match));
    } catch (const sdbus::Error& e) {
        result.error = e.getMessage() + " (" + e.getName() + ")";
    } catch (const std::exception& e) {
        result.error = e.what();
    }
    if (!result.error.empty()) {
        result.match.reset();
        result.connection.reset();
    } else if (result.error.empty() && !result.connection) {
        result.error = "no connection";
    }
    return result;
}

} // namespace

BusOpener::BusOpener(uv_loop_t* loop, DoneFn on_done) : on_done_(std::move(on_done)) {
    if (async_.init(uv_async_init, loop, this, &BusOpener::on_wake) == 0) {
        // A pending connect alone must not keep the loop (and shutdown) waiting.
        uv_unref(async_.base());
    }
}

bool BusOpener::start(const std::string& bus, const std::string& rule, MatchFn on_match,
                      std::string& why) {
    if (!async_) {
        why = "closed";
        return false;
    }
    if (busy()) {
        why = "an earlier attempt still waits for the bus";
        return false;
    }
    auto attempt = std::make_shared<Attempt>();
    attempt->wake = async_.get();
    try {
        std::thread([attempt, bus, rule, on_match = std::move(on_match)]() mutable noexcept {
            Result result = open_with_match(bus, rule, std::move(on_match));
            std::unique_lock lock(attempt->mutex);
            if (attempt->wake != nullptr) {
                attempt->result = std::move(result);
                uv_async_send(attempt->wake);
            }
            attempt->running = false;
            lock.unlock();
            // Abandoned: what was made goes here, on this thread.
        }).detach();
    } catch (const std::system_error& e) {
        why = std::string("cannot start a thread to connect: ") + e.what();
        return false;
    }
    attempt_ = std::move(attempt);
    awaited_ = true;
    return true;
}

void BusOpener::abandon() noexcept {
    if (!attempt_) {
        return;
    }
    std::optional<Result> dropped;
    {
        std::lock_guard lock(attempt_->mutex);
        attempt_->wake = nullptr;
        dropped = std::move(attempt_->result);
        attempt_->result.reset();
    }
    awaited_ = false;
    // A result that arrived but was not taken yet goes here, outside the lock.
}

bool BusOpener::waiting() const noexcept {
    return awaited_;
}

bool BusOpener::busy() const noexcept {
    return attempt_ && attempt_->running.load();
}

void BusOpener::close() noexcept {
    abandon();
    async_.close();
}

void BusOpener::on_wake(uv_async_t* handle) noexcept {
    auto* self = static_cast<BusOpener*>(handle->data);
    if (self == nullptr || !self->attempt_ || !self->awaited_) {
        return;
    }
    std::optional<Result> result;
    {
        std::lock_guard lock(self->attempt_->mutex);
        result = std::move(self->attempt_->result);
        self->attempt_->result.reset();
    }
    if (!result) {
        return; // a wake-up of an earlier, abandoned attempt
    }
    self->awaited_ = false;
    try {
        self->on_done_(std::move(*result));
    } catch (...) {
        // The callee logs its own trouble; nothing is left to do with it here.
    }
}

} // namespace nb::dbus
