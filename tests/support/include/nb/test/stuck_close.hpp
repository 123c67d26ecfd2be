#pragma once
// An fd whose last close() hangs, made without FUSE: a loopback TCP socket
// with SO_LINGER and unsent data towards a peer that never reads. close()
// then waits up to the linger time for the data to be acknowledged, as a FUSE
// file whose FLUSH is never answered waits for the FUSE server. The peer stays
// open while the object lives; destroying it resets the connection, which
// ends a close still waiting.

#include <nb/test/fd.hpp>

#include <chrono>

namespace nb::test {

class StuckCloseSocket {
public:
    /// Throws std::runtime_error if the loopback connection cannot be made.
    explicit StuckCloseSocket(std::chrono::seconds linger);

    /// The socket whose last close() hangs; the caller owns it.
    Fd take() noexcept { return std::move(socket_); }

private:
    Fd socket_; // first: destroyed last, after the peer's reset freed it
    Fd listener_;
    Fd peer_;
};

} // namespace nb::test
