#pragma once
// The two places a log entry can go, both written without ever blocking:
//  - JournalSink: a datagram to the journal's native socket
//    (/run/systemd/journal/socket), "FIELD=value\n" per field, sent with
//    MSG_DONTWAIT. libsystemd's sd_journal_sendv() is not used: its socket is
//    a blocking one (journal-send.c: socket(SOCK_DGRAM) and sendmsg() without
//    MSG_DONTWAIT), so a journald that stops reading would stall the loop.
//  - StderrSink: stderr. A socket (the journal's stream, when we fall back to
//    it) is written with send(MSG_DONTWAIT); a pipe or a terminal through a
//    private O_NONBLOCK open of /proc/self/fd/2 (O_NONBLOCK on fd 2 itself
//    would change the file description our children and our parent share); a
//    regular file as it is (its writes do not wait for a reader).
// Both return false when the entry was not taken; the caller counts it.
// Thread-safety: open before threads start; send()/write() from any thread.

#include "base/unique_fd.hpp"

#include <cstddef>
#include <string>

namespace nb::daemon {

class JournalSink {
public:
    static constexpr const char* default_path = "/run/systemd/journal/socket";

    /// Connects a non-blocking datagram socket to `path`; invalid if it cannot.
    explicit JournalSink(const std::string& path) noexcept;
    [[nodiscard]] bool valid() const noexcept { return fd_.valid(); }
    /// One entry, already in the native format. False if it was not sent.
    bool send(const char* data, std::size_t length) const noexcept;

    /// True when $JOURNAL_STREAM ("DEV:INODE") names the file stderr is.
    [[nodiscard]] static bool stderr_is_journal_stream() noexcept;

private:
    UniqueFd fd_;
};

class StderrSink {
public:
    /// Looks at what fd 2 is and prepares a write that cannot block.
    StderrSink() noexcept;
    /// One line. False if it was not written (whole: lines stay below PIPE_BUF).
    bool write(const char* data, std::size_t length) const noexcept;

private:
    enum class Kind { plain, socket, reopened };
    Kind kind_ = Kind::plain;
    UniqueFd reopened_;
};

} // namespace nb::daemon
