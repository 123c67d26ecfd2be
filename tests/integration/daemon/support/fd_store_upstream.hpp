#pragma once
// Stands in for systemd's notify socket of a unit with FileDescriptorStoreMax=:
// an UpstreamReceiver, plus the fds that come with SCM_RIGHTS, kept in a
// store by systemd 252's rules (FDSTORE=1 adds under FDNAME, never replacing;
// FDSTOREREMOVE=1 drops every fd of that name; beyond the capacity an fd is
// closed), so a test can pass them to the next broker as systemd would.
// The real thing is tested end to end (tests/e2e/broker_restart_test.sh).

#include "upstream_receiver.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nb::test {

class FdStoreUpstream : public UpstreamReceiver {
public:
    struct Entry {
        std::string name;
        int fd = -1;
    };

    /// Binds an AF_UNIX datagram socket at path. Throws std::runtime_error.
    FdStoreUpstream(std::string path, std::size_t capacity);
    ~FdStoreUpstream() override;
    FdStoreUpstream(const FdStoreUpstream&) = delete;
    FdStoreUpstream& operator=(const FdStoreUpstream&) = delete;

    /// The next datagram (its fds applied to the store), or nothing on timeout.
    std::optional<std::string> next(std::chrono::milliseconds timeout) override;

    /// Newest first, as systemd hands them back.
    [[nodiscard]] const std::deque<Entry>& store() const noexcept { return store_; }
    [[nodiscard]] std::size_t count_named(const std::string& prefix) const;
    /// The socket as "notify" followed by the store's entries, for
    /// BrokerOptions::named_listen_fds (the fds stay owned here).
    [[nodiscard]] std::vector<std::pair<std::string, int>> listen_fds(int socket_fd) const;

private:
    void apply(const std::string& datagram, std::vector<int> fds);

    std::size_t capacity_;
    // Newest first, as systemd 252 prepends to its fd store list.
    std::deque<Entry> store_;
};

} // namespace nb::test
