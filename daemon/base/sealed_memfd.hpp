#pragma once
// Bytes in a sealed memfd: the form in which the broker's state waits in
// systemd's fd store while the broker restarts. Sealed (no write, no resize,
// no more seals) so that what the next broker reads is exactly what was
// written, whoever else holds the fd.
// Thread-safety: free functions, any thread.

#include "base/unique_fd.hpp"

#include <nb/proto/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace nb::daemon {

/// A close-on-exec memfd named `name` (shown in /proc/PID/fd) holding `bytes`,
/// sealed against writes, shrinking, growing and further seals.
/// Errors: memfd_create (e.g. refused by a seccomp filter), a short write, a seal.
[[nodiscard]] proto::Result<UniqueFd> make_sealed_memfd(const char* name, std::string_view bytes);

/// The contents of a memfd made by make_sealed_memfd(). Errors: not a sealed
/// memfd (someone could still change it), larger than max_bytes, a read error.
[[nodiscard]] proto::Result<std::string> read_sealed_memfd(int fd, std::size_t max_bytes);

} // namespace nb::daemon
