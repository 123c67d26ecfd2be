#pragma once
// An http probe: GET the URL (over a unix socket when one is given) through
// libcurl's multi interface on the loop (shell/curl_multi.hpp); a 2xx or 3xx
// status is healthy (redirects are not followed, as Kubernetes' httpGet does
// not leave the probe's host), and, when asked, the body must contain a
// substring (the first 64 KiB are read). No proxies, no other protocols.

#include "core/probe_spec.hpp"
#include "shell/curl_multi.hpp"
#include "shell/probe_run.hpp"

#include <memory>

namespace nb::daemon {

/// Bytes of the body searched for body_contains; a longer body is cut there.
inline constexpr std::size_t probe_body_limit = 64 * 1024;

/// On a refused handle, calls done at once and returns nullptr. Throws std::bad_alloc.
[[nodiscard]] std::unique_ptr<ProbeRun>
start_http_probe(CurlMulti& multi, const core::ProbeSpec& spec, ProbeDone done);

} // namespace nb::daemon
