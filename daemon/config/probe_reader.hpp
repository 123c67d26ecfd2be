#pragma once
// [[probe]] tables -> core::ProbeSpec (issue 15): health probes for workers
// that cannot speak sd_notify. Internal to nb_config; errors are ConfigError
// with file:line:col. Targets must be loopback addresses or unix sockets
// unless the probe says allow_remote = true.

#include "config/table_reader.hpp"
#include "core/broker_config.hpp"
#include "core/probe_spec.hpp"

namespace nb::config {

/// Reads one [[probe]]; `groups` are the config's groups (a probe's worker
/// must be one some group takes). Throws ConfigError.
[[nodiscard]] core::ProbeSpec read_probe(TableReader& in,
                                         const std::vector<core::GroupConfig>& groups);

/// The host of "http://HOST:PORT/..." or "HOST:PORT" is a loopback address
/// (127.0.0.0/8, ::1, "localhost").
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

/// The probe's target is neither loopback nor a unix socket: its config
/// needs allow_remote = true (config_writer renders it).
[[nodiscard]] bool probe_target_is_remote(const core::ProbeSpec& probe);

} // namespace nb::config
