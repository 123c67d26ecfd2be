#pragma once
// The byte form of a StateSnapshot, kept in a sealed memfd in systemd's fd
// store. Compact, little-endian, versioned, checksummed, and strictly bounded:
// the decoder reads input a crash or a stranger may have written, so every
// length is checked before it is used and nothing is trusted.
//
//   "NBSTATE\0" | u16 version | u16 flags (0) | u32 body length | body | u32 FNV-1a(all before)
//   body: u64 sequence | i64 taken_at_us | u32 workers | worker*
//   worker: str name | str group | u8 source | u8 state | u8 late_watchdog |
//           i32 pid | u32 uid | str status | u8 has_ping [i64 last_ping_us] |
//           u64 process_identity | u64 start_time
//           (version 2 adds:) u8 flags (1 named, 2 follows_unit) | str unit |
//           str cgroup | str bus_name | u8 has_watchdog [i64 watchdog_us] | str failure
//   str: u16 length | bytes
// Version 1 (before several workers per process, unit-followed and D-Bus
// workers were carried) is still read: its workers get the new fields'
// defaults, so a broker upgraded across a restart keeps what the old one saved.
// Thread-safety: pure functions.

#include "core/state_snapshot.hpp"

#include <nb/proto/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nb::core {

inline constexpr std::string_view snapshot_magic{"NBSTATE\0", 8};
inline constexpr std::uint16_t snapshot_version = 2;
/// The oldest version decode_snapshot() still reads.
inline constexpr std::uint16_t oldest_snapshot_version = 1;
/// Bounds the decoder enforces (and the encoder respects by refusing more).
inline constexpr std::size_t max_snapshot_workers = 65536;
inline constexpr std::size_t max_snapshot_string = 4096;
inline constexpr std::size_t max_snapshot_bytes = 64 * 1024 * 1024;

/// The bytes of `snapshot`. Strings longer than max_snapshot_string are cut
/// (UTF-8 safe), workers beyond max_snapshot_workers left out. Throws std::bad_alloc.
[[nodiscard]] std::string encode_snapshot(const StateSnapshot& snapshot);

/// Parses bytes written by encode_snapshot(). Errors (never throws but
/// std::bad_alloc): wrong magic, a version outside
/// oldest_snapshot_version..snapshot_version, a length or count beyond the
/// bounds or the input, a bad checksum, an enum out of range, trailing bytes.
[[nodiscard]] proto::Result<StateSnapshot> decode_snapshot(std::string_view bytes);

} // namespace nb::core
