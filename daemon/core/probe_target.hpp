#pragma once
// The target of one probe run for one worker: a [[probe]]'s command, address,
// unix_socket and url with the placeholders {worker} (the worker's name) and
// {instance} (a unit probe's template instance, "a" of "legacy@a.service")
// filled in. A group probe (ProbeSpec::group) needs them to probe each member
// at its own address. Pure; config/ checks a spec with a sample name, the
// shell resolves it per worker.

#include "core/probe_spec.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace nb::core {

inline constexpr std::string_view worker_placeholder = "{worker}";
inline constexpr std::string_view instance_placeholder = "{instance}";

/// Some target field of the probe contains `placeholder`.
[[nodiscard]] bool probe_uses(const ProbeSpec& probe, std::string_view placeholder);

/// A name that may stand in a path: no '/', not "." or "..", no leading '.'
/// (which covers both and hidden files): it cannot leave the directory the
/// config put it in. Worker names cannot hold '/' anyway (worker_name.hpp).
[[nodiscard]] bool is_path_safe_name(std::string_view name) noexcept;

/// RFC 3986 percent-encoding of everything but the unreserved characters:
/// the name is one path segment or query value, never a separator.
[[nodiscard]] std::string percent_encoded(std::string_view text);

/// The template instance of a unit name ("a" of "legacy@a.service"); empty
/// for a unit that is no template instance.
[[nodiscard]] std::string unit_instance(std::string_view unit);

/// `probe` with its placeholders filled in for `worker` (and `instance`):
/// into command arguments as is (each stays one argv element, no shell), into
/// paths only a path-safe name, into the URL percent-encoded. Empty when a
/// name the probe substitutes is not path-safe (the shell logs it and does
/// not probe that worker).
[[nodiscard]] std::optional<ProbeSpec>
resolve_probe(const ProbeSpec& probe, std::string_view worker, std::string_view instance = {});

} // namespace nb::core
