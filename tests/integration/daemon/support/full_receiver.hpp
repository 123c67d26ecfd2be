#pragma once
// Makes a receiver look like a PID 1 that stopped reading: its datagram queue
// filled from a socket of the test's own until the kernel says EAGAIN, so a
// test never depends on the host's net.unix.max_dgram_qlen.

#include <string>

namespace nb::test {

/// The datagram every filler carries: a receiver skips it when it reads again.
inline constexpr const char* queue_filler = "X_FILLER=1";

/// Fills the queue of the AF_UNIX datagram socket at path. Returns how many
/// datagrams it took, -1 if it could not connect or never saw EAGAIN.
int fill_receiver_queue(const std::string& path);

} // namespace nb::test
