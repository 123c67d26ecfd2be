#include "datagram_dispatcher.hpp"

#include "unit_name.hpp"

#include <chrono>
#include <string>

namespace nb::daemon {

DatagramDispatcher::DatagramDispatcher(core::Broker& broker, ProcessWatcher& processes,
                                       DropLog& drops, Hooks hooks)
    : broker_(broker)
    , processes_(processes)
    , drops_(drops)
    , hooks_(std::move(hooks)) {}

void DatagramDispatcher::dispatch(std::span<ReceivedDatagram> datagrams) noexcept {
    const auto now = std::chrono::steady_clock::now();
    for (auto& datagram : datagrams) {
        ++received_;
        try {
            dispatch_one(datagram, now);
        } catch (...) {
            drops_.drop(DropReason::malformed, "out of memory", 0, 0, now);
        }
        // Whatever happened above, nothing received may outlive its datagram.
        datagram.close_fds();
        datagram.pidfd.reset();
    }
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
        // datagram may still be open then.
        datagram.pidfd.reset();
        datagram.close_fds();
        return;
    }
    // systemd closes fds that come with anything but FDSTORE=1; so do we.
    datagram.close_fds();
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

void DatagramDispatcher::apply(ReceivedDatagram& datagram, const proto::Message& message,
                               core::TimePoint now) {
    if (!datagram.credentials || datagram.credentials->pid <= 0) {
        // Without SO_PASSCRED, or from a pid namespace we cannot see into.
        drops_.drop(DropReason::no_credentials, "sender cannot be attributed", 0, 0, now);
        return;
    }
    const ucred& credentials = *datagram.credentials;
    const pid_t pid = credentials.pid;

    if (processes_.watches(pid) && !processes_.is_same_process(pid, datagram.pidfd.get())) {
        // The pid was reused before we saw the old process's pidfd fire:
        // the old worker is gone, this is someone new.
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
        sender.unit = unit_of_unwatched(pid, datagram.pidfd.get());
    }

    const auto verdict = broker_.on_message(sender, message, now);
    if (verdict != core::Verdict::accepted) {
        drops_.drop(drop_reason_for(verdict), to_string(verdict), pid, credentials.uid, now);
        return;
    }
    ++accepted_;
    if (!known && !processes_.watch(pid, std::move(datagram.pidfd), std::move(sender.unit))) {
        // Gone already (a one-shot sender): the worker left as soon as it spoke.
        broker_.on_process_exited(pid, now);
    }
}

} // namespace nb::daemon
