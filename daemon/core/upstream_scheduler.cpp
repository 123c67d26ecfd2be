#include "core/upstream_scheduler.hpp"

#include "core/saturating_time.hpp"

#include <nb/proto/message.hpp>

#include <algorithm>
#include <utility>

namespace nb::core {

using std::chrono::microseconds;

UpstreamScheduler::UpstreamScheduler(std::chrono::milliseconds status_interval,
                                     microseconds broker_watchdog)
    : throttle_(status_interval)
    , half_watchdog_(broker_watchdog / 2) {}

void UpstreamScheduler::set_status_interval(std::chrono::milliseconds interval) noexcept {
    throttle_.set_interval(interval);
}

void UpstreamScheduler::queue(Change change) noexcept {
    if (change_count_ > 0 && changes_[change_count_ - 1].kind == change.kind) {
        return; // the same change twice in a row says nothing new
    }
    if (change_count_ == max_changes) {
        std::move(changes_.begin() + 1, changes_.end(), changes_.begin());
        --change_count_;
    }
    changes_[change_count_++] = change;
}

void UpstreamScheduler::ready(TimePoint now) noexcept {
    if (stopped_) {
        return;
    }
    queue({Change::Kind::ready, now});
    ping_due_ = now;           // systemd wants a ping right after READY=1
    extend_ = microseconds{0}; // READY=1 ends the start: nothing left to extend
}

void UpstreamScheduler::reloading(TimePoint now) noexcept {
    if (!stopped_) {
        queue({Change::Kind::reloading, now});
    }
}

void UpstreamScheduler::stopping() noexcept {
    if (stopped_) {
        return;
    }
    // Final: a READY or RELOADING not sent yet would only be overruled by it.
    change_count_ = 0;
    queue({Change::Kind::stopping, {}});
    stopped_ = true;
    trigger_queued_ = false;
    extend_ = microseconds{0};
    throttle_.mark_pending(); // the STATUS that says we are stopping goes along
}

void UpstreamScheduler::trigger() noexcept {
    if (!stopped_ && trigger_armed_) {
        trigger_queued_ = true;
        trigger_armed_ = false;
    }
}

void UpstreamScheduler::extend(microseconds by) noexcept {
    if (stopped_ || by.count() <= 0) {
        return;
    }
    extend_ = std::max(extend_, by);
    throttle_.mark_pending();
}

namespace {

/// Keys are constants and values are ours (STATUS sanitised, numbers), so this
/// cannot fail; if it ever did, sending nothing beats sending garbage.
void post(std::vector<std::string>& outbox, const std::vector<proto::Assignment>& out) {
    if (out.empty()) {
        return;
    }
    if (auto datagram = proto::serialize(out); datagram.ok()) {
        outbox.push_back(std::move(datagram.value()));
    }
}

} // namespace

void UpstreamScheduler::append(std::vector<proto::Assignment>& out, const Change& change) {
    switch (change.kind) {
    case Change::Kind::stopping:
        out.push_back({"STOPPING", "1"});
        break;
    case Change::Kind::reloading:
        out.push_back({"RELOADING", "1"});
        out.push_back(
            {"MONOTONIC_USEC",
             std::to_string(
                 std::chrono::duration_cast<microseconds>(change.at.time_since_epoch()).count())});
        break;
    case Change::Kind::ready:
        out.push_back({"READY", "1"});
        ready_sent_ = true;
        break;
    }
}

bool UpstreamScheduler::flush(TimePoint now, const std::function<std::string()>& compose_status,
                              bool healthy) {
    const bool lifecycle = change_count_ > 0;
    std::vector<proto::Assignment> out;
    // Every state change but the last alone in its datagram, in order.
    for (std::size_t i = 0; i + 1 < change_count_; ++i) {
        append(out, changes_[i]);
        post(outbox_, out);
        out.clear();
    }
    if (lifecycle) {
        append(out, changes_[change_count_ - 1]);
    }
    change_count_ = 0;
    bool status_sent = false;
    if (throttle_.pending() && (lifecycle || throttle_.may_send(now))) {
        std::string status = compose_status();
        if (!status_ever_sent_ || status != last_status_) {
            out.push_back({"STATUS", status});
            last_status_ = std::move(status);
            status_ever_sent_ = true;
            status_sent = true;
        }
        if (extend_.count() > 0) {
            out.push_back({"EXTEND_TIMEOUT_USEC", std::to_string(extend_.count())});
        }
        const bool chatter = status_sent || extend_.count() > 0;
        extend_ = microseconds{0};
        if (chatter) {
            throttle_.sent(now);
        } else {
            throttle_.settled();
        }
    }
    if (!stopped_) {
        if (trigger_queued_) {
            out.push_back({"WATCHDOG", "trigger"});
        } else if (healthy && watchdog_enabled() && ready_sent_ && ping_due_ && now >= *ping_due_) {
            out.push_back({"WATCHDOG", "1"});
            ping_due_ = saturating_add(now, half_watchdog_);
        }
    }
    if (healthy) {
        trigger_armed_ = true;
    }
    trigger_queued_ = false;
    post(outbox_, out);
    return status_sent;
}

std::optional<TimePoint> UpstreamScheduler::next_deadline(bool healthy) const noexcept {
    std::optional<TimePoint> next = throttle_.deadline();
    if (!stopped_ && healthy && watchdog_enabled() && ready_sent_ && ping_due_) {
        next = next ? std::min(*next, *ping_due_) : *ping_due_;
    }
    return next;
}

std::vector<std::string> UpstreamScheduler::take_outbox() noexcept {
    return std::exchange(outbox_, {});
}

} // namespace nb::core
