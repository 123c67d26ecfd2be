// Broker: the keys a worker's datagram carries, applied to its entry once it
// is admitted (broker_events.cpp): status, readiness, reloading, heartbeats,
// failures and the extend timeouts. The table of what each key means is
// worker_keys.cpp.
#include "core/broker_impl.hpp"
#include "core/safe_text.hpp"
#include "core/saturating_time.hpp"
#include "core/worker_keys.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace nb::core {

void Broker::Impl::count_ignored(const proto::Message& message) noexcept {
    for (const auto& assignment : message.assignments()) {
        const std::size_t row = worker_key_index(assignment.key);
        if (worker_keys()[row].use == KeyUse::ignored) {
            ++ignored_counts[row];
        }
    }
}

void Broker::Impl::apply(Worker& worker, const proto::Message& message, TimePoint now) {
    if (const auto status = message.status()) {
        registry.set_status(worker, sanitize_text(*status, config.max_status_length));
    }
    if (message.stopping()) {
        leave(worker.id, WorkerState::stopping);
        return;
    }
    record_failure(worker, message);
    if (const auto usec = message.watchdog_usec()) {
        set_watchdog(worker, *usec, now); // before READY=1, which arms it
    }
    if (message.reloading()) {
        registry.set_state(worker, WorkerState::reloading);
        worker.reloading_at = now;
        worker.said_ready = false;
        arm(worker, now);
    }
    if (message.ready()) {
        worker.said_ready = true;
    }
    if (message.ready() &&
        !(worker.state == WorkerState::late && worker.late == LateReason::probe)) {
        become_ready(worker, now); // a failing probe keeps it late: either source can
        if (reload_round.reloaded(worker.name)) {
            ++own_version; // progress, or a missed worker is back
        }
    }
    if (const auto watchdog = message.watchdog()) {
        if (*watchdog == proto::WatchdogKind::trigger) {
            mark_late(worker, LateReason::watchdog); // the worker says it is hung
        } else {
            worker.last_ping = now;
            if (worker.state == WorkerState::ready ||
                (worker.state == WorkerState::late && worker.late == LateReason::watchdog)) {
                registry.set_state(worker, WorkerState::ready);
                arm(worker, now);
            }
        }
    }
    if (const auto extend = message.extend_timeout_usec()) {
        // Up to 2^64-1 µs on the wire: clamped to what a duration holds, and
        // every deadline made from it saturates (saturating_add), never wraps.
        const auto by = std::chrono::microseconds(static_cast<std::int64_t>(
            std::min<std::uint64_t>(*extend, std::chrono::microseconds::max().count())));
        // EXTEND_TIMEOUT_USEC counts from now, and only stretches a start
        // deadline that exists (a group without start_timeout has none).
        const bool waiting =
            worker.state == WorkerState::starting || worker.state == WorkerState::reloading ||
            (worker.state == WorkerState::late && worker.late == LateReason::start_timeout);
        const GroupConfig* group = group_config(worker);
        if (waiting && group != nullptr && group->start_timeout.count() > 0) {
            if (worker.state == WorkerState::late) {
                registry.set_state(worker, WorkerState::starting);
            }
            const TimePoint until = saturating_add(now, by);
            const auto current = deadlines.of(worker.id);
            deadlines.set(worker.id, current ? std::max(*current, until) : until);
        }
        // Upstream it stretches the broker's own start, which waits for the
        // required workers only: so only one of those that is not ready yet may
        // ask, only before READY=1, and for at most max_extend_timeout.
        const bool required = group != nullptr && group->required;
        if (waiting && required && state == BrokerState::starting &&
            config.max_extend_timeout.count() > 0) {
            scheduler.extend(std::min(by, config.max_extend_timeout));
        }
    }
}

namespace {

// A varlink error name is an interface-qualified name: "io.systemd.Foo.Bar".
bool is_varlink_error_name(std::string_view name) noexcept {
    constexpr std::size_t longest = 255;
    if (name.empty() || name.size() > longest || name.find('.') == std::string_view::npos ||
        name.front() == '.' || name.back() == '.') {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

void append(std::string& text, std::string_view part) {
    if (!text.empty()) {
        text += ", ";
    }
    text += part;
}

} // namespace

void Broker::Impl::record_failure(Worker& worker, const proto::Message& message) {
    std::string failure;
    // Values were checked by parse() (ERRNO 0..4095, EXIT_STATUS 0..255, a
    // D-Bus error name), except VARLINKERROR, which systemd 252 does not know.
    if (const auto error = message.errno_value(); error && *error != 0) {
        append(failure, "errno " + std::to_string(*error));
    }
    if (const auto bus_error = message.bus_error()) {
        append(failure, "bus error " + std::string(*bus_error));
    }
    if (const auto varlink = message.get("VARLINKERROR")) {
        if (is_varlink_error_name(*varlink)) {
            append(failure, "varlink error " + std::string(*varlink));
        } else {
            key_refusals.emplace_back("VARLINKERROR must be an interface-qualified error name");
        }
    }
    if (const auto status = message.exit_status()) {
        append(failure, "exit status " + std::to_string(*status));
    }
    if (failure.empty()) {
        return;
    }
    worker.failure_note = "failed: " + failure;
    worker.failure = std::move(failure);
    registry.touch();
}

void Broker::Impl::set_watchdog(Worker& worker, std::uint64_t usec, TimePoint now) {
    const GroupConfig* group = group_config(worker);
    if (group == nullptr) {
        return; // counted nowhere: no deadline to set
    }
    const auto low = static_cast<std::uint64_t>(group->worker_watchdog_min.count());
    const auto high = static_cast<std::uint64_t>(group->worker_watchdog_max.count());
    if (usec < low || usec > high) {
        key_refusals.push_back("WATCHDOG_USEC=" + std::to_string(usec) + " is outside group " +
                               group->name + "'s bounds " + std::to_string(low) + " to " +
                               std::to_string(high) + " us (worker_watchdog_min/_max)");
        return;
    }
    worker.watchdog = std::chrono::microseconds(static_cast<std::int64_t>(usec));
    if (worker.state == WorkerState::ready) {
        arm(worker, now);
    }
}

} // namespace nb::core
