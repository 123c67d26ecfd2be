#pragma once
// Turns received datagrams into core events, in order: size and control-data
// checks, parsing, BARRIER=1, attribution (credentials, pidfd, unit), the core's
// verdict, and process watching for accepted senders. Every fd that came with a
// datagram is closed here; a barrier's fd only once everything before it in the
// batch has been applied and the resulting upstream messages have been sent.
// Thread-safety: the loop thread only.

#include "base/fd_closer.hpp"
#include "base/rate_limited_log.hpp"
#include "core/broker.hpp"
#include "shell/datagram_batch.hpp"
#include "shell/drop_log.hpp"
#include "shell/ignored_key_log.hpp"
#include "shell/process_watcher.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <time.h>

namespace nb::daemon {

class DatagramDispatcher {
public:
    struct Hooks {
        /// Drain the core's outbox upstream (before a barrier is released).
        std::function<void()> flush;
        /// True for a pid that spawn mode started (Source::spawned). May be empty.
        std::function<bool(pid_t)> is_spawned;
        /// For an accepted sender whose pid is not watched: true when its
        /// liveness is followed another way (its unit's cgroup, UnitWorkers),
        /// so its pid is not watched. May be empty.
        std::function<bool(const core::Sender&, const proto::Message&)> follow_unit;
        /// Closes off the loop the fds workers send (SCM_RIGHTS) whose close may
        /// hang (base/close_may_block.hpp); empty: every fd is closed inline.
        FdCloser* closer = nullptr;
    };

    DatagramDispatcher(core::Broker& broker, ProcessWatcher& processes, DropLog& drops,
                       Hooks hooks);

    /// Applies the datagrams of one batch, oldest first. Never throws (a
    /// std::bad_alloc drops the datagram).
    void dispatch(std::span<ReceivedDatagram> datagrams) noexcept;

    [[nodiscard]] std::uint64_t received() const noexcept { return received_; }
    [[nodiscard]] std::uint64_t accepted() const noexcept { return accepted_; }
    [[nodiscard]] std::uint64_t barriers() const noexcept { return barriers_; }
    /// Datagrams without SCM_PIDFD whose sender could not be proven to be the
    /// process holding its pid now (dropped as no_credentials).
    [[nodiscard]] std::uint64_t unverified() const noexcept { return unverified_; }
    /// Accepted senders that could not be watched for lack of fds.
    [[nodiscard]] std::uint64_t unwatched() const noexcept { return unwatched_; }

private:
    void dispatch_one(ReceivedDatagram& datagram, core::TimePoint now);
    void apply(ReceivedDatagram& datagram, const proto::Message& message, core::TimePoint now);
    /// After a name_held verdict: if the name's holder has exited unseen,
    /// reports that exit and returns the verdict for the message offered again.
    core::Verdict retry_if_holder_exited(const core::Sender& sender, const proto::Message& message,
                                         core::TimePoint now);

    /// The unit of a sender that is not watched (refused, or not yet accepted),
    /// so that a flood from it costs no /proc read per datagram. Valid only for
    /// the same process (pidfs identity).
    struct RecentSender {
        pid_t pid = 0;
        ino_t identity = 0;
        std::string unit;
    };
    std::string unit_of_unwatched(pid_t pid, int pidfd);
    /// Whether datagrams of pid in this batch are from its watched process.
    bool watched_process_alive(pid_t pid);
    /// For a datagram without SCM_PIDFD: pins the sender (datagram.pidfd) and
    /// proves it is the process that sent (shell/sender_pin.hpp). False: dropped.
    bool pin(ReceivedDatagram& datagram, core::TimePoint now);
    /// Closes the pidfds set aside during this batch.
    void close_spent_pidfds() noexcept;
    /// Hands the datagram's SCM_RIGHTS fds to hooks_.closer (or closes them).
    void release_fds(ReceivedDatagram& datagram) noexcept;

    core::Broker& broker_;
    ProcessWatcher& processes_;
    DropLog& drops_;
    Hooks hooks_;
    RecentSender recent_;
    /// Watched pids seen alive since this batch was received: a process alive
    /// after recvmmsg() returned sent every datagram of this batch with its pid
    /// (a pid is reused only after its process exits), so one poll() per pid and
    /// batch replaces a pidfs identity check (fstat) per datagram.
    std::vector<pid_t> alive_in_batch_;
    /// SCM_PIDFDs of this batch's datagrams once used: the kernel gives them the
    /// lowest free numbers, so one close_range() per batch replaces a close() per
    /// datagram. Closed before any barrier is answered and at the end of a batch.
    std::vector<int> spent_pidfds_;
    std::uint64_t received_ = 0;
    std::uint64_t accepted_ = 0;
    std::uint64_t barriers_ = 0;
    std::uint64_t unverified_ = 0;
    std::uint64_t unwatched_ = 0;
    RateLimitedLog no_room_log_{5, std::chrono::seconds(10)};
    IgnoredKeyLog ignored_keys_;
    RateLimitedLog main_pid_log_{5, std::chrono::seconds(10)};
    /// CLOCK_REALTIME and CLOCK_BOOTTIME, read once per batch when first needed.
    timespec batch_clocks_{};
    timespec batch_boottime_{};
};

} // namespace nb::daemon
