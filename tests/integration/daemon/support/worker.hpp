#pragma once
// Worker processes for the broker: forked children that send sd_notify messages
// (our client library, each followed by a barrier so the broker has applied
// them when the child goes on) and then stay alive until the test closes their
// stdin, so the broker sees a live pool.

#include "child_process.hpp"

#include <string>
#include <vector>

namespace nb::test {

/// Forks a worker that sends each of `messages` to socket_path with a barrier
/// after each, then holds until its stdin is closed. Exit code 0 when every
/// send and barrier worked, 1 otherwise.
ChildProcess start_worker(const std::string& socket_path, std::vector<std::string> messages);

/// Sends `messages` from this process, each followed by a barrier (5 s).
/// Returns false if one of them failed.
bool send_with_barrier(const std::string& socket_path, const std::vector<std::string>& messages);

/// A barrier from this process: returns once the broker has processed every
/// datagram queued before it. False on timeout.
bool barrier(const std::string& socket_path);

} // namespace nb::test
