#include "shell/datagram_dispatcher.hpp"

#include "base/close_may_block.hpp"
#include "base/logger.hpp"
#include "core/main_process_claim.hpp"
#include "shell/main_pid.hpp"
#include "shell/sender_pin.hpp"
#include "shell/unit_name.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include <time.h>
#include <unistd.h>

namespace nb::daemon {

DatagramDispatcher::DatagramDispatcher(core::Broker& broker, ProcessWatcher& processes,
                                       DropLog& drops, Hooks hooks)
    : broker_(broker)
    , processes_(processes)
    , drops_(drops)
    , hooks_(std::move(hooks)) {
    alive_in_batch_.reserve(DatagramBatch::capacity); // no allocation on the hot path
    spent_pidfds_.reserve(DatagramBatch::capacity);
}

void DatagramDispatcher::dispatch(std::span<ReceivedDatagram> datagrams) noexcept {
    const auto now = std::chrono::steady_clock::now();
    alive_in_batch_.clear();
    batch_clocks_ = timespec{}; // read on the first pin of this batch
    batch_boottime_ = timespec{};
    for (auto& datagram : datagrams) {
        ++received_;
        try {
            dispatch_one(datagram, now);
        } catch (...) {
            drops_.drop(DropReason::malformed, "out of memory", 0, 0, now);
        }
        // Whatever happened above, nothing received may outlive its batch.
        release_fds(datagram);
        if (datagram.pidfd && spent_pidfds_.size() < spent_pidfds_.capacity()) {
            spent_pidfds_.push_back(datagram.pidfd.release());
        }
        datagram.pidfd.reset();
    }
    close_spent_pidfds();
}

void DatagramDispatcher::close_spent_pidfds() noexcept {
    std::sort(spent_pidfds_.begin(), spent_pidfds_.end());
    for (std::size_t first = 0; first < spent_pidfds_.size();) {
        std::size_t last = first;
        while (last + 1 < spent_pidfds_.size() &&
               spent_pidfds_[last + 1] == spent_pidfds_[last] + 1) {
            ++last;
        }
        const auto low = static_cast<unsigned>(spent_pidfds_[first]);
        const auto high = static_cast<unsigned>(spent_pidfds_[last]);
        if (::close_range(low, high, 0) != 0) {
            for (std::size_t i = first; i <= last; ++i) {
                ::close(spent_pidfds_[i]); // a kernel before 5.9
            }
        }
        first = last + 1;
    }
    spent_pidfds_.clear();
}

void DatagramDispatcher::release_fds(ReceivedDatagram& datagram) noexcept {
    if (hooks_.closer != nullptr) {
        // A worker's fd may hang close() (an unanswered FUSE FLUSH): such ones
        // never close on the loop. The rest (pipes, /dev/null...) close here and
        // now, so a barrier still means "nothing sent before it is open".
        for (auto& fd : datagram.fds) {
            if (close_may_block(fd.get())) {
                hooks_.closer->close_later(std::move(fd));
            }
        }
    }
    datagram.close_fds();
}

void DatagramDispatcher::dispatch_one(ReceivedDatagram& datagram, core::TimePoint now) {
    const pid_t pid = datagram.credentials ? datagram.credentials->pid : 0;
    const uid_t uid = datagram.credentials ? datagram.credentials->uid : 0;
    if (datagram.control_truncated) {
        drops_.drop(DropReason::truncated_control, "control data truncated (MSG_CTRUNC)", pid, uid,
                    now);
        return;
    }
    if (datagram.oversize) {
        drops_.drop(DropReason::oversize, "4096 bytes or more", pid, uid, now);
        return;
    }
    auto parsed = proto::Message::parse(datagram.data);
    if (!parsed) {
        drops_.drop(DropReason::malformed, parsed.error().message, pid, uid, now);
        return;
    }
    const proto::Message& message = parsed.value();
    if (message.barrier()) {
        if (message.assignments().size() != 1 || datagram.fds.size() != 1) {
            drops_.drop(DropReason::bad_barrier,
                        "BARRIER=1 must come alone with exactly one fd (got " +
                            std::to_string(datagram.fds.size()) + ")",
                        pid, uid, now);
            return;
        }
        // Everything before the barrier has been applied; send what it caused
        // upstream, then release the sender (closing the fd is the answer).
        ++barriers_;
        if (hooks_.flush) {
            hooks_.flush();
        }
        // The sender may look at us the moment the fd closes: nothing of this
        // datagram, nor of the ones before it, may still be open then.
        close_spent_pidfds();
        datagram.pidfd.reset();
        release_fds(datagram);
        return;
    }
    // systemd closes fds that come with anything but FDSTORE=1; so do we
    // (MAINPIDFD=1's pidfd once apply() has looked at it).
    if (!message.contains("MAINPIDFD")) {
        release_fds(datagram);
    }
    apply(datagram, message, now);
}

std::string DatagramDispatcher::unit_of_unwatched(pid_t pid, int pidfd) {
    const auto identity = process_identity(pidfd);
    if (identity && recent_.pid == pid && recent_.identity == *identity) {
        return recent_.unit;
    }
    std::string unit = read_unit_of(pid);
    // Read after the fact: if the process had already gone, the pid may now be
    // someone else's, and the unit is not to be trusted or cached.
    if (pidfd >= 0 && pidfd_exited(pidfd)) {
        return {};
    }
    if (identity) {
        recent_ = RecentSender{pid, *identity, unit};
    }
    return unit;
}

bool DatagramDispatcher::watched_process_alive(pid_t pid) {
    if (std::find(alive_in_batch_.begin(), alive_in_batch_.end(), pid) != alive_in_batch_.end()) {
        return true;
    }
    if (!processes_.still_running(pid)) {
        return false; // exited: each datagram's own pidfd tells whose it is
    }
    if (alive_in_batch_.size() < alive_in_batch_.capacity()) {
        alive_in_batch_.push_back(pid);
    }
    return true;
}

core::Verdict DatagramDispatcher::retry_if_holder_exited(const core::Sender& sender,
                                                         const proto::Message& message,
                                                         core::TimePoint now) {
    // A restart: the old process has exited, its pidfd is readable, but the
    // loop has not run its callback yet. Its exit comes first, then the
    // message again (which the rate limiter counts once more).
    const auto holder = broker_.holder_of(sender, message);
    if (!holder || !processes_.watches(*holder) || processes_.still_running(*holder)) {
        return core::Verdict::name_held;
    }
    if (log_enabled(LogLevel::debug)) {
        log(LogLevel::debug, "pid " + std::to_string(*holder) + " holding the name pid " +
                                 std::to_string(sender.pid) + " claims has exited: its exit first");
    }
    std::erase(alive_in_batch_, *holder);
    processes_.forget(*holder);
    broker_.on_process_exited(*holder, now);
    return broker_.on_message(sender, message, now);
}

void DatagramDispatcher::apply(ReceivedDatagram& datagram, const proto::Message& message,
                               core::TimePoint now) {
    if (!datagram.credentials || datagram.credentials->pid <= 0) {
        // Without SO_PASSCRED, or from a pid namespace we cannot see into.
        drops_.drop(DropReason::no_credentials, "sender cannot be attributed", 0, 0, now);
        return;
    }
    const ucred& credentials = *datagram.credentials;
    const pid_t pid = credentials.pid;

    if (processes_.watches(pid) && !watched_process_alive(pid) &&
        !processes_.is_same_process(pid, datagram.pidfd.get())) {
        // The pid was reused before we saw the old process's pidfd fire:
        // the old worker is gone, this is someone new.
        std::erase(alive_in_batch_, pid);
        processes_.forget(pid);
        broker_.on_process_exited(pid, now);
    }

    core::Sender sender;
    sender.source = (hooks_.is_spawned && hooks_.is_spawned(pid)) ? core::Source::spawned
                                                                  : core::Source::socket;
    sender.pid = pid;
    sender.uid = credentials.uid;
    sender.gid = credentials.gid;
    const bool known = processes_.watches(pid);
    if (known) {
        sender.unit = *processes_.unit_of(pid);
    } else {
        // Nothing is spent on a sender the rate limit refuses anyway: no /proc
        // read, no pidfd_open().
        if (broker_.would_rate_limit(sender, now)) {
            drops_.drop(drop_reason_for(core::Verdict::rate_limited),
                        to_string(core::Verdict::rate_limited), pid, credentials.uid, now);
            return;
        }
        if (!datagram.pidfd && !pin(datagram, now)) {
            return;
        }
        sender.unit = unit_of_unwatched(pid, datagram.pidfd.get());
    }

    // MAINPID= / MAINPIDFD=1: the worker is the main process's (an
    // ancestor's, or for root one in an admitted unit), which is then watched
    // instead of the short-lived sender (shell/main_pid.hpp).
    pid_t watched = pid;
    bool watched_known = known;
    UniqueFd main_pidfd;
    if (const auto claim = core::main_process_claim(message, datagram.fds.size())) {
        const MainPidSender from{pid, datagram.pidfd ? datagram.pidfd.get() : -1, credentials.uid};
        auto checked = check_main_pid(from, *claim, datagram.fds, [&](const core::Sender& process) {
            core::Sender as_main = sender;
            as_main.pid = process.pid;
            const auto name = broker_.name_for(as_main, message);
            return name && broker_.admits(process, *name);
        });
        if (!checked.refusal.empty()) {
            main_pid_log_.log(LogLevel::warning,
                              "refused key " + claim->key + " from pid " + std::to_string(pid) +
                                  " uid " + std::to_string(credentials.uid) + ": " +
                                  checked.refusal + "; the rest applies",
                              now);
        } else if (checked.pid != pid) {
            sender.pid = checked.pid;
            watched = checked.pid;
            watched_known = processes_.watches(checked.pid);
            main_pidfd = std::move(checked.pidfd);
        }
    }
    release_fds(datagram); // a refused MAINPIDFD=1's too

    auto verdict = broker_.on_message(sender, message, now);
    if (verdict == core::Verdict::name_held) {
        verdict = retry_if_holder_exited(sender, message, now);
    }
    if (verdict != core::Verdict::accepted) {
        drops_.drop(drop_reason_for(verdict), to_string(verdict), pid, credentials.uid, now);
        return;
    }
    ++accepted_;
    ignored_keys_.note(broker_, sender, message, now);
    // Only a sender the core keeps a worker for is worth an fd: a STOPPING=1
    // (or a lone barrier) from a stranger leaves nothing to watch.
    if (watched_known || !broker_.tracks(sender) ||
        (hooks_.follow_unit && hooks_.follow_unit(sender, message))) {
        return;
    }
    switch (processes_.watch(watched,
                             main_pidfd ? std::move(main_pidfd) : std::move(datagram.pidfd),
                             std::move(sender.unit))) {
    case ProcessWatcher::Watch::watched:
        break;
    case ProcessWatcher::Watch::gone:
        // Gone already (a one-shot sender): the worker left as soon as it spoke.
        broker_.on_process_exited(watched, now);
        break;
    case ProcessWatcher::Watch::no_room:
        // Out of fds: alive as far as we know. Kept, and watched on its next datagram.
        ++unwatched_;
        no_room_log_.log(LogLevel::warning,
                         "cannot watch pid " + std::to_string(pid) +
                             " (out of file descriptors): kept, watched on its next message",
                         now);
        break;
    }
}

bool DatagramDispatcher::pin(ReceivedDatagram& datagram, core::TimePoint now) {
    const ucred& credentials = *datagram.credentials;
    if (batch_clocks_.tv_sec == 0 && batch_clocks_.tv_nsec == 0) {
        ::clock_gettime(CLOCK_REALTIME, &batch_clocks_);
        ::clock_gettime(CLOCK_BOOTTIME, &batch_boottime_);
    }
    auto pinned = pin_sender(credentials,
                             queued_boottime(datagram.queued_at, batch_clocks_, batch_boottime_));
    switch (pinned.outcome) {
    case SenderPin::Outcome::pinned:
        datagram.pidfd = std::move(pinned.pidfd);
        return true;
    case SenderPin::Outcome::no_room:
        // Nothing can be read or pinned: the kernel's credentials alone, no unit.
        no_room_log_.log(LogLevel::warning,
                         "cannot pin pid " + std::to_string(credentials.pid) +
                             " (out of file descriptors): attributed by its credentials alone",
                         now);
        return true;
    case SenderPin::Outcome::gone:
    case SenderPin::Outcome::stranger:
        break;
    }
    ++unverified_;
    drops_.drop(DropReason::no_credentials,
                pinned.outcome == SenderPin::Outcome::gone
                    ? "sender exited before it could be pinned (no SCM_PIDFD)"
                    : "pid is another process than the sender now (no SCM_PIDFD)",
                credentials.pid, credentials.uid, now);
    return false;
}

} // namespace nb::daemon
