#pragma once
// Reads up to `capacity` datagrams with one recvmmsg() into buffers allocated
// once, and takes ownership of every fd the kernel installed (SCM_RIGHTS,
// SCM_PIDFD), so none can leak whatever happens to the datagram afterwards.
// Thread-safety: the loop thread only.

#include "base/unique_fd.hpp"

#include <nb/proto/message.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <sys/socket.h>
#include <time.h>

namespace nb::daemon {

struct ReceivedDatagram {
    std::string_view data;          ///< valid until the next receive()
    bool oversize = false;          ///< >= proto::max_datagram_size bytes (data is then cut)
    bool control_truncated = false; ///< MSG_CTRUNC
    std::optional<ucred> credentials;
    UniqueFd pidfd; ///< SCM_PIDFD, if the kernel sent one
    /// The errno the kernel sent in SCM_PIDFD instead of a pidfd (ESRCH: the
    /// sender was reaped, Linux 6.5-6.15; EMFILE: we are out of fds); 0 if none.
    int pidfd_error = 0;
    /// SCM_TIMESTAMPNS (CLOCK_REALTIME): when the datagram was queued.
    std::optional<timespec> queued_at;
    std::vector<UniqueFd> fds; ///< SCM_RIGHTS, in order

    /// Closes the received fds (not the pidfd).
    void close_fds() noexcept { fds.clear(); }
};

class DatagramBatch {
public:
    static constexpr std::size_t capacity = 32;
    /// The kernel's SCM_MAX_FD: the most fds one datagram can carry.
    static constexpr std::size_t max_fds = 253;
    /// The most fds one receive() can install: every datagram's SCM_RIGHTS and
    /// its SCM_PIDFD. The fd limit must leave room for them (base/fd_limit).
    static constexpr std::size_t max_fds_per_batch = capacity * (max_fds + 1);

    /// Allocates every buffer. Throws std::bad_alloc.
    DatagramBatch();
    ~DatagramBatch();
    DatagramBatch(const DatagramBatch&) = delete;
    DatagramBatch& operator=(const DatagramBatch&) = delete;

    /// One non-blocking recvmmsg(). Returns the number of datagrams (0 when none
    /// is waiting) or -errno. The previous batch's fds are closed first.
    int receive(int socket_fd) noexcept;

    /// The datagrams of the last receive().
    [[nodiscard]] std::span<ReceivedDatagram> datagrams() noexcept {
        return {slots_.data(), received_};
    }

private:
    struct Buffers;
    void take_control_data(std::size_t index) noexcept;

    std::unique_ptr<Buffers> buffers_;
    std::array<ReceivedDatagram, capacity> slots_;
    std::size_t received_ = 0;
};

} // namespace nb::daemon
