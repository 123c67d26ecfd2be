#pragma once
// The broker's saved state as a restart test sees it: the snapshots in an
// FdStoreUpstream (sealed memfds named nb-state.N, core/state_codec.hpp), and
// snapshots made by the test to hand to a broker as if a former one saved them.

#include "core/state_codec.hpp"
#include "fd_store_upstream.hpp"

#include <cstddef>
#include <optional>
#include <string>

#include <sys/types.h>

namespace nb::test {

/// The snapshot in the memfd fd (read from offset 0), if it decodes.
std::optional<core::StateSnapshot> read_state(int fd);
/// The newest (highest sequence) snapshot in the store.
std::optional<core::StateSnapshot> newest_state(const FdStoreUpstream& store);
/// How many of the snapshot's workers are ready.
std::size_t ready_in(const core::StateSnapshot& snapshot);

/// A memfd ("test-state") holding bytes, sealed as the broker seals its state
/// or not; -1 on failure. The caller closes it.
int memfd_with(const std::string& bytes, bool sealed);
/// A ready worker record as a snapshot holds it: name, pid, no identity.
core::WorkerRecord ready_worker(std::string name, pid_t pid);

} // namespace nb::test
