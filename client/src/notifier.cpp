#include "notify_socket.hpp"
#include "unique_fd.hpp"

#include <nb/client/notifier.hpp>
#include <nb/proto/notify_address.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace nb::client {

struct Notifier::State {
    std::mutex mutex;
    std::optional<std::string> configured; ///< nullopt: read $NOTIFY_SOCKET
    bool resolved = false;
    bool unset = false;
    std::optional<proto::NotifyAddress> address;
    std::string address_error; ///< why the address did not parse
    detail::NotifySocket socket;

    // Precondition: mutex held.
    void resolve() {
        if (resolved) {
            return;
        }
        resolved = true;
        const char* text = configured ? configured->c_str() : std::getenv("NOTIFY_SOCKET");
        if (text == nullptr || (configured && configured->empty())) {
            unset = true;
            return;
        }
        auto parsed = proto::NotifyAddress::parse(text);
        if (parsed) {
            address = std::move(parsed.value());
        } else {
            address_error = parsed.error().message;
        }
    }

    // Precondition: mutex held.
    SendResult send(std::string_view state, std::span<const int> fds,
                    const std::optional<ucred>& credentials) {
        resolve();
        if (unset) {
            return SendResult::make_unset();
        }
        if (!address) {
            return SendResult::make_failed(EINVAL, address_error);
        }
        if (state.find('\0') != std::string_view::npos) {
            return SendResult::make_failed(EINVAL, "state contains a NUL byte");
        }
        if (fds.size() > max_fds_per_message) {
            return SendResult::make_failed(EINVAL, "more than 253 file descriptors");
        }
        if (!socket.is_open()) {
            if (const int error = socket.open(*address); error != 0) {
                return SendResult::make_failed(error,
                                               "cannot open a socket for " + address->to_string());
            }
        }
        if (const int error = socket.send(state, fds, credentials); error != 0) {
            return SendResult::make_failed(error, "cannot send to " + address->to_string());
        }
        return SendResult::make_sent();
    }
};

namespace {

// libsystemd fakes credentials only when they differ from what the kernel
// would attach: another pid, or a real uid/gid that differs from the effective
// one (systemd-notify --uid changes only the real uid).
std::optional<ucred> credentials_for(pid_t pid) noexcept {
    const pid_t self = getpid();
    if ((pid != 0 && pid != self) || getuid() != geteuid() || getgid() != getegid()) {
        return ucred{pid != 0 ? pid : self, getuid(), getgid()};
    }
    return std::nullopt;
}

std::uint64_t monotonic_usec() noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
}

// Waits for POLLHUP on fd; returns 0, ETIMEDOUT or an errno value.
int wait_for_hangup(int fd, std::chrono::microseconds timeout) noexcept {
    using clock = std::chrono::steady_clock;
    const bool forever = timeout == std::chrono::microseconds::max();
    const auto deadline = forever ? clock::time_point::max() : clock::now() + timeout;
    for (;;) {
        timespec remaining{};
        timespec* remaining_ptr = nullptr;
        if (!forever) {
            const auto left = std::max(deadline - clock::now(), clock::duration::zero());
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
            remaining.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
            remaining.tv_nsec = static_cast<long>(ns % 1'000'000'000);
            remaining_ptr = &remaining;
        }
        pollfd entry{fd, 0, 0}; // POLLHUP is always reported
        const int n = ppoll(&entry, 1, remaining_ptr, nullptr);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        if (n == 0) {
            return ETIMEDOUT;
        }
        return 0;
    }
}

} // namespace

Notifier::Notifier() : state_(std::make_unique<State>()) {}

Notifier::Notifier(std::string address) : state_(std::make_unique<State>()) {
    state_->configured = std::move(address);
}

Notifier::~Notifier() = default;
Notifier::Notifier(Notifier&&) noexcept = default;
Notifier& Notifier::operator=(Notifier&&) noexcept = default;

bool Notifier::available() const {
    if (!state_) {
        return false;
    }
    const std::scoped_lock lock(state_->mutex);
    state_->resolve();
    return state_->address.has_value();
}

SendResult Notifier::notify(std::string_view state) {
    return notify_as(0, state, {});
}

SendResult Notifier::notify(std::string_view state, std::span<const int> fds) {
    return notify_as(0, state, fds);
}

SendResult Notifier::notify_as(pid_t pid, std::string_view state, std::span<const int> fds) {
    if (!state_) {
        return SendResult::make_unset(); // moved-from
    }
    const auto credentials = credentials_for(pid);
    const std::scoped_lock lock(state_->mutex);
    return state_->send(state, fds, credentials);
}

SendResult Notifier::ready() {
    return notify("READY=1");
}

SendResult Notifier::status(std::string_view text) {
    if (text.find('\n') != std::string_view::npos) {
        // A newline would smuggle a second assignment into the datagram.
        return SendResult::make_failed(EINVAL, "STATUS text contains a newline");
    }
    std::string line = "STATUS=";
    line += text;
    return notify(line);
}

SendResult Notifier::stopping() {
    return notify("STOPPING=1");
}

SendResult Notifier::reloading() {
    return notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

SendResult Notifier::watchdog() {
    return notify("WATCHDOG=1");
}

SendResult Notifier::watchdog_trigger() {
    return notify("WATCHDOG=trigger");
}

SendResult Notifier::errno_(int error) {
    return notify("ERRNO=" + std::to_string(error));
}

SendResult Notifier::mainpid(pid_t pid) {
    return notify("MAINPID=" + std::to_string(pid));
}

SendResult Notifier::extend_timeout(std::chrono::microseconds usec) {
    return notify("EXTEND_TIMEOUT_USEC=" + std::to_string(usec.count()));
}

SendResult Notifier::barrier(std::chrono::microseconds timeout) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0) {
        return SendResult::make_failed(errno, "cannot create the barrier pipe");
    }
    const detail::UniqueFd read_end(ends[0]);
    detail::UniqueFd write_end(ends[1]);
    const int fd = write_end.get();
    auto result = notify("BARRIER=1", std::span<const int>(&fd, 1));
    if (!result.sent()) {
        return result;
    }
    write_end.reset(); // now only the receiver holds it
    if (const int error = wait_for_hangup(read_end.get(), timeout); error != 0) {
        return SendResult::make_failed(error, "barrier");
    }
    return result;
}

void Notifier::close() {
    if (!state_) {
        return;
    }
    const std::scoped_lock lock(state_->mutex);
    state_->socket.close();
}

} // namespace nb::client
