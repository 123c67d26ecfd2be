#pragma once
// A client of systemd's notification protocol (sd_notify), with the semantics
// of libsystemd 252's sd_pid_notify_with_fds(): AF_UNIX path and abstract
// addresses and vsock forms, SCM_RIGHTS and SCM_CREDENTIALS, MSG_NOSIGNAL,
// errors reported as errno values. Unlike libsystemd, the socket is opened once
// and reused, so a service pinging its watchdog costs one sendmsg().
//
// Thread-safety: every member function may be called concurrently from any
// thread (an internal mutex serialises sends on the shared socket). barrier()
// holds that mutex only while sending, not while waiting.
// Nothing here throws except std::bad_alloc; errors are in SendResult.

#include <nb/client/send_result.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace nb::client {

/// The kernel's limit on descriptors in one SCM_RIGHTS message (SCM_MAX_FD).
inline constexpr std::size_t max_fds_per_message = 253;

class Notifier {
public:
    /// Uses $NOTIFY_SOCKET, read at the first call that needs it (so a service
    /// may construct a Notifier before its environment is complete).
    Notifier();
    /// Uses address, same syntax as NOTIFY_SOCKET; an empty string means
    /// "unset" (every send returns Status::unset).
    explicit Notifier(std::string address);
    ~Notifier();
    Notifier(Notifier&&) noexcept;
    Notifier& operator=(Notifier&&) noexcept;
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    /// True if an address is set and parses.
    [[nodiscard]] bool available() const;

    /// Sends state as one datagram. Fails with EINVAL if state contains a NUL
    /// byte (systemd would drop the datagram) or the address is malformed.
    SendResult notify(std::string_view state);
    /// Same, passing fds with SCM_RIGHTS (the caller keeps ownership); more
    /// than max_fds_per_message fails with EINVAL.
    SendResult notify(std::string_view state, std::span<const int> fds);
    /// Sends as if from pid (SCM_CREDENTIALS; needs CAP_SYS_ADMIN for another
    /// pid). Like libsystemd 252, if the kernel refuses the faked credentials
    /// (EPERM, ESRCH, EINVAL...), sends again with our own.
    SendResult notify_as(pid_t pid, std::string_view state, std::span<const int> fds = {});

    SendResult ready();                       ///< READY=1
    SendResult status(std::string_view text); ///< STATUS=text; EINVAL if text has '\n'
    SendResult stopping();                    ///< STOPPING=1
    SendResult reloading();                   ///< RELOADING=1 + MONOTONIC_USEC=now
    SendResult watchdog();                    ///< WATCHDOG=1
    SendResult watchdog_trigger();            ///< WATCHDOG=trigger
    SendResult errno_(int error);             ///< ERRNO=error
    SendResult mainpid(pid_t pid);            ///< MAINPID=pid
    SendResult extend_timeout(std::chrono::microseconds usec); ///< EXTEND_TIMEOUT_USEC=

    /// Sends BARRIER=1 with the write end of a pipe and waits until the receiver
    /// has closed it (everything sent before has been processed). Fails with
    /// ETIMEDOUT when timeout passes first.
    SendResult barrier(std::chrono::microseconds timeout);

    /// Closes the reused socket; the next send opens a new one.
    void close();

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace nb::client
