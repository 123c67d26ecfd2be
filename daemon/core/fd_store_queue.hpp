#pragma once
// What waits for systemd's fd store while its notify socket will not take a
// datagram: FDSTORE=1 (with an fd) and FDSTOREREMOVE=1 under an FDNAME, in the
// order they were asked for, so that the shell only sends front() and pops it.
// Pure policy: Fd is whatever owns one descriptor (the shell's UniqueFd, a
// counting fake in the tests); dropping an entry destroys its Fd, which closes
// it, so an fd never outlives its entry on any path (sent, replaced,
// cancelled, refused, cleared).
//
// - Order is kept: systemd 252 never replaces a same-named entry, an add
//   beyond FileDescriptorStoreMax is refused, so a remove must go before the
//   add that reuses its room or its name.
// - A store whose name is removed before it was sent is taken out with the
//   remove (nothing is queued): callers store a name only when systemd holds
//   nothing under it after what is queued (the broker removes a state slot
//   before it stores into it, and a pidfd name only once it was stored), so
//   systemd ends with nothing under that name either way.
// - replace(): a newer fd for a store still waiting (the newest state
//   snapshot makes the older one stale) takes the older one's place.
// - Bounded: at most max_entries entries; beyond, store() and remove() refuse
//   (false; the refused fd is closed) and count it. The caller keeps what was
//   refused as not done and asks again later. reserved entries (the state
//   snapshot's remove + store, kept at two by replace()) may go beyond the
//   bound by reserved_entries, so a queue full of pidfd work never keeps the
//   pool's state out.
// Thread-safety: none; the loop thread only.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>

namespace nb::core {

enum class FdStoreRoom {
    bounded, ///< counts against max_entries
    reserved ///< may use reserved_entries more
};

template <typename Fd>
class FdStoreQueue {
public:
    static constexpr std::size_t default_max_entries = 64;
    static constexpr std::size_t reserved_entries = 2;

    explicit FdStoreQueue(std::size_t max_entries = default_max_entries)
        : max_entries_(std::max<std::size_t>(max_entries, 1)) {}

    /// Queues FDSTORE=1 under name with fd. false: refused at the bound (fd dropped).
    bool store(std::string name, Fd fd, FdStoreRoom room = FdStoreRoom::bounded) {
        if (!has_room(room)) {
            ++refused_;
            return false; // fd goes out of scope here: closed
        }
        entries_.push_back(Entry{true, std::move(name), std::move(fd), room});
        return true;
    }

    /// Queues FDSTOREREMOVE=1 of name, or takes out the store of name still
    /// waiting (see the header). false: refused at the bound.
    bool remove(std::string name, FdStoreRoom room = FdStoreRoom::bounded) {
        const auto pending = last_of(name);
        if (pending != entries_.end() && pending->store) {
            entries_.erase(pending);
            ++cancelled_;
            return true;
        }
        if (!has_room(room)) {
            ++refused_;
            return false;
        }
        entries_.push_back(Entry{false, std::move(name), Fd{}, room});
        return true;
    }

    /// True if the newest queued entry of name is a store not sent yet.
    [[nodiscard]] bool store_pending(std::string_view name) const {
        const auto found = last_of(name);
        return found != entries_.end() && found->store;
    }

    /// Gives the waiting store of name a newer fd; the older one is dropped.
    /// false (fd dropped) if no store of name waits.
    bool replace(std::string_view name, Fd fd) {
        const auto found = last_of(name);
        if (found == entries_.end() || !found->store) {
            return false;
        }
        found->fd = std::move(fd);
        ++superseded_;
        return true;
    }

    [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    /// The oldest entry's datagram ("FDSTORE=1\nFDNAME=x"). Precondition: !empty().
    [[nodiscard]] std::string front_text() const {
        const Entry& entry = entries_.front();
        return std::string(entry.store ? "FDSTORE=1" : "FDSTOREREMOVE=1") +
               "\nFDNAME=" + entry.name;
    }
    /// The fd to send with it (an empty Fd for a remove). Precondition: !empty().
    [[nodiscard]] const Fd& front_fd() const noexcept { return entries_.front().fd; }
    [[nodiscard]] bool front_is_store() const noexcept { return entries_.front().store; }
    /// After front was sent (its fd is closed here), or refused for good.
    void pop() noexcept {
        if (!entries_.empty()) {
            entries_.pop_front();
        }
    }
    /// At exit: drops everything still waiting, closing its fds.
    void clear() noexcept { entries_.clear(); }

    /// Entries refused at the bound.
    [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
    /// Waiting fds replaced by a newer one.
    [[nodiscard]] std::uint64_t superseded() const noexcept { return superseded_; }
    /// Stores taken out by a remove of their name before they were sent.
    [[nodiscard]] std::uint64_t cancelled() const noexcept { return cancelled_; }

private:
    struct Entry {
        bool store = false;
        std::string name;
        Fd fd;
        FdStoreRoom room = FdStoreRoom::bounded;
    };
    using Entries = std::deque<Entry>;

    [[nodiscard]] bool has_room(FdStoreRoom room) const noexcept {
        const auto reserved = static_cast<std::size_t>(
            std::count_if(entries_.begin(), entries_.end(),
                          [](const Entry& entry) { return entry.room == FdStoreRoom::reserved; }));
        const std::size_t bounded = entries_.size() - reserved;
        return room == FdStoreRoom::bounded ? bounded < max_entries_ : reserved < reserved_entries;
    }

    [[nodiscard]] typename Entries::iterator last_of(std::string_view name) {
        const auto found = std::find_if(entries_.rbegin(), entries_.rend(),
                                        [&](const Entry& entry) { return entry.name == name; });
        return found == entries_.rend() ? entries_.end() : std::prev(found.base());
    }
    [[nodiscard]] typename Entries::const_iterator last_of(std::string_view name) const {
        const auto found = std::find_if(entries_.rbegin(), entries_.rend(),
                                        [&](const Entry& entry) { return entry.name == name; });
        return found == entries_.rend() ? entries_.end() : std::prev(found.base());
    }

    std::size_t max_entries_;
    Entries entries_;
    std::uint64_t refused_ = 0;
    std::uint64_t superseded_ = 0;
    std::uint64_t cancelled_ = 0;
};

} // namespace nb::core
