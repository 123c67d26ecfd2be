#pragma once
#include <cstddef>
#include <string_view>

namespace nb::core {

inline constexpr std::size_t max_worker_name_length = 64;

/// X_WORKER names: 1..64 characters of [A-Za-z0-9_.@:-]. Narrow on purpose: the
/// name is shown in STATUS, logs and D-Bus, and matched by fnmatch globs.
[[nodiscard]] bool is_valid_worker_name(std::string_view name) noexcept;

} // namespace nb::core
