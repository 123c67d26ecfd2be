#pragma once
// Stands in for systemd's notify socket: a datagram socket the broker is
// given as NOTIFY_SOCKET. Tests wait on it with poll() and a timeout, never
// with sleeps.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nb::test {

/// One datagram and the fds that came with it (SCM_RIGHTS, close-on-exec).
struct ReceivedDatagram {
    std::string text;
    std::vector<int> fds; ///< owned by whoever received them
};

class UpstreamReceiver {
public:
    /// Binds an AF_UNIX datagram socket at path. Throws std::runtime_error.
    explicit UpstreamReceiver(std::string path);
    virtual ~UpstreamReceiver();
    UpstreamReceiver(const UpstreamReceiver&) = delete;
    UpstreamReceiver& operator=(const UpstreamReceiver&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    /// The next datagram, or nothing if none arrives within timeout.
    virtual std::optional<std::string> next(std::chrono::milliseconds timeout);
    /// next() with the fds the datagram carried, which the caller then owns.
    std::optional<ReceivedDatagram> receive(std::chrono::milliseconds timeout);

    /// Reads until a datagram satisfies match (returned) or timeout passes
    /// (nothing). Every datagram read is kept in history().
    std::optional<std::string> wait_for(const std::function<bool(const std::string&)>& match,
                                        std::chrono::milliseconds timeout);
    /// wait_for a datagram that has the line `line` ("READY=1").
    std::optional<std::string> wait_for_line(const std::string& line,
                                             std::chrono::milliseconds timeout);

    /// Every datagram received so far, oldest first.
    [[nodiscard]] const std::vector<std::string>& history() const noexcept { return history_; }
    /// How many datagrams in history() have the line `line`.
    [[nodiscard]] std::size_t count_line(const std::string& line) const;
    /// How many datagrams in history() have a line starting with prefix.
    [[nodiscard]] std::size_t count_prefix(const std::string& prefix) const;

private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> history_;
};

/// The lines of one datagram.
std::vector<std::string> lines_of(const std::string& datagram);
/// True if datagram has exactly the line `line`.
bool has_line(const std::string& datagram, const std::string& line);
/// The value of datagram's STATUS= line, if it has one.
std::optional<std::string> status_of(const std::string& datagram);
/// True if datagram has a STATUS= line whose value starts with prefix.
bool status_starts_with(const std::string& datagram, const std::string& prefix);
/// Prints a datagram on one line ("READY=1 | STATUS=...") for test messages.
std::string printable(const std::string& datagram);

} // namespace nb::test
