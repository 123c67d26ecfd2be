#pragma once
// What waits for systemd while its notify socket will not take a datagram (a
// long daemon-reload, PID 1 re-executing): the policy of the upstream queue,
// pure, so the shell only sends its front() and pops it.
//
// - Datagrams with a state change (READY=1, RELOADING=1, STOPPING=1) are kept,
//   each as its own datagram and in the order they came: losing or merging one
//   changes what systemd believes (a READY=1 beside RELOADING=1 swallows it).
// - STATUS=, EXTEND_TIMEOUT_USEC= and WATCHDOG= are state, not events: a newer
//   one makes any queued older one stale, so it is taken out of every earlier
//   datagram (one that becomes empty goes), and only the newest is sent: one
//   STATUS, one EXTEND_TIMEOUT_USEC and one WATCHDOG pending at most.
// - Bounded: past max_datagrams the oldest datagram is dropped and counted
//   (only a never-reading upstream with hundreds of state changes gets there).
// Input is what UpstreamScheduler emits (proto::serialize: lines joined by '\n').
// Thread-safety: none; the loop thread only.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace nb::core {

class UpstreamQueue {
public:
    static constexpr std::size_t default_max_datagrams = 64;

    explicit UpstreamQueue(std::size_t max_datagrams = default_max_datagrams);

    /// Queues one datagram (see the header comment for what it supersedes).
    void push(std::string_view datagram);

    [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    /// The oldest datagram, as it is to be sent. Precondition: !empty().
    [[nodiscard]] std::string front() const;
    /// True if the oldest datagram holds a state change (READY/RELOADING/STOPPING).
    [[nodiscard]] bool front_is_lifecycle() const noexcept;
    /// After front() was sent (or refused for good).
    void pop() noexcept;

    /// Lines taken out because a newer value of their key came.
    [[nodiscard]] std::uint64_t superseded() const noexcept { return superseded_; }
    /// Datagrams dropped at the bound.
    [[nodiscard]] std::uint64_t overflowed() const noexcept { return overflowed_; }

private:
    struct Entry {
        std::vector<std::string> lines;
        bool lifecycle = false;
    };

    /// Takes out of every queued datagram the lines whose key one of `lines` sets anew.
    void remove_superseded(const std::vector<std::string>& lines);

    std::size_t max_datagrams_;
    std::deque<Entry> entries_;
    std::uint64_t superseded_ = 0;
    std::uint64_t overflowed_ = 0;
};

} // namespace nb::core
