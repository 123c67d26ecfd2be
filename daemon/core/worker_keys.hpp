#pragma once
// The one table of what every key a worker may send means for that worker
// (issue 13). systemd applies a datagram key by key and ignores what it does
// not act on; so does the broker: a key with no meaning for a worker is
// ignored (counted, logged) and the rest of the datagram applies. Nothing a
// worker sends is ever relayed upstream: the broker composes its own lines.
// README.md ("What each key means") and units/notify-brokerd.toml show this
// table; tests/unit/core/key_table_docs_test.cpp keeps them in step.

#include <nb/proto/message.hpp>

#include <cstddef>
#include <span>
#include <string_view>

namespace nb::core {

enum class KeyUse {
    applied, ///< changes the worker's state, deadline or name
    paired,  ///< read only together with another key (MONOTONIC_USEC with RELOADING)
    barrier, ///< the protocol's synchronisation: the shell answers it by closing the fd
    ignored, ///< no meaning for a worker: counted, logged (rate-limited), the rest applies
};

struct WorkerKey {
    /// The key, or a prefix ending in '*' ("X_SYSTEMD_*"); "*" is every other key.
    std::string_view key;
    KeyUse use;
    /// What it does for the worker, as the docs say it.
    std::string_view meaning;
    /// Meaningful from a socket sender only (a process the shell can pin):
    /// a D-Bus caller sending it is refused.
    bool socket_only = false;
};

/// Every row, in the documented order; the last is "*" (unknown keys).
[[nodiscard]] std::span<const WorkerKey> worker_keys() noexcept;

/// The row index for `key`: an exact row first, then the longest prefix row,
/// then "*".
[[nodiscard]] std::size_t worker_key_index(std::string_view key) noexcept;

[[nodiscard]] const WorkerKey& worker_key(std::string_view key) noexcept;

/// True when a key of `message` has no meaning for a worker sending over
/// D-Bus (KeyUse::ignored, or socket_only).
[[nodiscard]] bool has_key_refused_over_dbus(const proto::Message& message) noexcept;

/// True when `message` is only "BARRIER=1".
[[nodiscard]] bool is_lone_barrier(const proto::Message& message) noexcept;

} // namespace nb::core
