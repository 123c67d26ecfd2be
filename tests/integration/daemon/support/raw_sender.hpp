#pragma once
// Sends hand-made datagrams to a socket: arbitrary bytes, attached fds, from
// its own socket (so each RawSender is a distinct sender queue-wise, while the
// kernel still attributes it to this process).

#include <span>
#include <string>
#include <string_view>

namespace nb::test {

class RawSender {
public:
    /// Throws std::runtime_error if the socket cannot be created.
    explicit RawSender(std::string path);
    ~RawSender();
    RawSender(const RawSender&) = delete;
    RawSender& operator=(const RawSender&) = delete;

    /// One datagram with fds as SCM_RIGHTS; returns 0 or errno.
    int send(std::string_view data, std::span<const int> fds = {});

private:
    std::string path_;
    int fd_ = -1;
};

} // namespace nb::test
