#include "config/probe_reader.hpp"

#include "config/value_parsers.hpp"
#include "core/probe_target.hpp"
#include "core/worker_name.hpp"

#include <algorithm>
#include <memory>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fnmatch.h>
#include <netinet/in.h>

namespace nb::config {
namespace {

using std::chrono::microseconds;

/// The most any probe setting may ask for: a day between probes is already odd.
constexpr microseconds longest_probe_time = std::chrono::hours(24);
constexpr std::uint64_t most_threshold = 1000;

void check(TableReader& in, std::string_view key, const proto::Status& status) {
    if (!status) {
        in.fail(key, status.error().message);
    }
}

bool is_ip_literal(std::string_view host) {
    const std::string text(host);
    in6_addr six{};
    in_addr four{};
    return ::inet_pton(AF_INET, text.c_str(), &four) == 1 ||
           ::inet_pton(AF_INET6, text.c_str(), &six) == 1;
}

core::ProbeKind read_kind(TableReader& in) {
    const auto kind = in.string("kind");
    if (!kind) {
        fail_at(in.table().source(), "probe: missing key 'kind' (exec, tcp or http)");
    }
    if (*kind == "exec") {
        return core::ProbeKind::exec;
    }
    if (*kind == "tcp") {
        return core::ProbeKind::tcp;
    }
    if (*kind == "http") {
        return core::ProbeKind::http;
    }
    in.fail("kind", "unknown probe kind '" + *kind + "': exec, tcp or http");
}

/// "host:port" or "[v6]:port" -> host, checked; the port 1..65535.
std::string tcp_host(TableReader& in, const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
        in.fail("address", "expected host:port or an absolute unix socket path");
    }
    std::string host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string port = address.substr(colon + 1);
    const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
                            return c >= '0' && c <= '9';
                        });
    if (!digits || std::stoul(port) == 0 || std::stoul(port) > 65535) {
        in.fail("address", "port '" + port + "' is not 1..65535");
    }
    if (!is_ip_literal(host)) {
        in.fail("address", "host '" + host + "' must be an IP address (no name lookups)");
    }
    return host;
}

struct UrlDeleter {
    void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
    void operator()(char* text) const noexcept { curl_free(text); }
};

/// The URL's host, after libcurl's own parser accepted it as http://.
std::string http_host(TableReader& in, const std::string& url) {
    const std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
    if (!parsed) {
        in.fail("url", "out of memory");
    }
    if (const CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0);
        rc != CURLUE_OK) {
        in.fail("url", "'" + url + "' is not a URL: " + curl_url_strerror(rc));
    }
    char* raw = nullptr;
    curl_url_get(parsed.get(), CURLUPART_SCHEME, &raw, 0);
    const std::unique_ptr<char, CurlStringDeleter> scheme(raw);
    if (scheme == nullptr || std::string_view(scheme.get()) != "http") {
        in.fail("url", "only http:// URLs are probed");
    }
    raw = nullptr;
    curl_url_get(parsed.get(), CURLUPART_HOST, &raw, 0);
    const std::unique_ptr<char, CurlStringDeleter> host(raw);
    std::string text = host ? host.get() : "";
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
    }
    return text;
}

void read_target(TableReader& in, core::ProbeSpec& probe, bool allow_remote) {
    const bool exec = probe.kind == core::ProbeKind::exec;
    const bool tcp = probe.kind == core::ProbeKind::tcp;
    const bool http = probe.kind == core::ProbeKind::http;
    for (const auto& [key, fits] : {std::pair<std::string_view, bool>{"command", exec},
                                    {"address", tcp},
                                    {"url", http},
                                    {"unix_socket", http},
                                    {"body", http}}) {
        if (!fits && in.find(key) != nullptr) {
            in.fail(key, "does not apply to a probe of kind " + std::string(exec  ? "exec"
                                                                            : tcp ? "tcp"
                                                                                  : "http"));
        }
    }
    if (exec) {
        auto command = in.strings("command", false);
        if (!command) {
            fail_at(in.table().source(), "probe: kind exec needs 'command'");
        }
        if (command->front().empty() || command->front().front() != '/') {
            in.fail("command", "the program must be an absolute path");
        }
        probe.command = std::move(*command);
    } else if (tcp) {
        auto address = in.string("address");
        if (!address) {
            fail_at(in.table().source(), "probe: kind tcp needs 'address'");
        }
        if (address->starts_with('/')) {
            check(in, "address", check_socket_path(*address));
        } else if (const std::string host = tcp_host(in, *address);
                   !allow_remote && !is_loopback_host(host)) {
            in.fail("address", "'" + host +
                                   "' is not a loopback address (set allow_remote = true to "
                                   "probe other hosts)");
        }
        probe.address = std::move(*address);
    } else {
        auto url = in.string("url");
        if (!url) {
            fail_at(in.table().source(), "probe: kind http needs 'url'");
        }
        // A placeholder is checked where it stands (check_placeholders()):
        // here a sample name in its place lets libcurl parse the rest.
        core::ProbeSpec sample;
        sample.url = *url;
        const std::string host = http_host(in, core::resolve_probe(sample, "w", "w")->url);
        if (auto socket = in.string("unix_socket")) {
            if (!socket->starts_with('/')) {
                in.fail("unix_socket", "must be an absolute path");
            }
            check(in, "unix_socket", check_socket_path(*socket));
            probe.unix_socket = std::move(*socket);
        } else if (!allow_remote && !is_loopback_host(host)) {
            in.fail("url", "'" + host +
                               "' is not a loopback address (set allow_remote = true to probe "
                               "other hosts, or unix_socket)");
        }
        probe.url = std::move(*url);
        if (auto body = in.string("body")) {
            probe.body_contains = std::move(*body);
        }
    }
}

void read_timing(TableReader& in, core::ProbeTiming& timing) {
    if (auto interval = in.duration("interval", longest_probe_time)) {
        if (interval->count() == 0) {
            in.fail("interval", "must be more than 0");
        }
        timing.interval = *interval;
    }
    if (auto timeout = in.duration("timeout", longest_probe_time)) {
        if (timeout->count() == 0) {
            in.fail("timeout", "must be more than 0");
        }
        timing.timeout = *timeout;
    }
    if (auto delay = in.duration("initial_delay", longest_probe_time)) {
        timing.initial_delay = *delay;
    }
    if (auto start = in.duration("start_timeout", longest_probe_time)) {
        timing.start_timeout = *start;
    }
    if (auto successes = in.count("success_threshold", 1, most_threshold)) {
        timing.success_threshold = static_cast<unsigned>(*successes);
    }
    if (auto failures = in.count("failure_threshold", 1, most_threshold)) {
        timing.failure_threshold = static_cast<unsigned>(*failures);
    }
}

std::string_view target_key(const core::ProbeSpec& probe) noexcept {
    switch (probe.kind) {
    case core::ProbeKind::exec:
        return "command";
    case core::ProbeKind::tcp:
        return "address";
    case core::ProbeKind::http:
        break;
    }
    return probe.url.find('{') != std::string::npos ? "url" : "unix_socket";
}

/// {worker} and {instance} where they may stand, read_target()'s checks
/// repeated on the target as a worker's name fills it in.
void check_placeholders(TableReader& in, const core::ProbeSpec& probe,
                        const core::GroupConfig* members) {
    const std::string_view key = target_key(probe);
    const bool names_worker = core::probe_uses(probe, core::worker_placeholder);
    if (core::probe_uses(probe, core::instance_placeholder) && probe.unit.empty()) {
        in.fail(key, "{instance} is a unit probe's template instance: set 'unit'");
    }
    // Every member would ask the one same target: its answer would make all of
    // them late at once, or hide a member that is down behind one that is up.
    if (members != nullptr && members->expected > 1 && !names_worker) {
        in.fail(key, "a probe of group '" + members->name +
                         "' (expect = " + std::to_string(members->expected) +
                         ") must name its member in its target with {worker}: without it every "
                         "member would probe the same target");
    }
    if (!probe.command.empty() &&
        (probe.command.front().find(core::worker_placeholder) != std::string::npos ||
         probe.command.front().find(core::instance_placeholder) != std::string::npos)) {
        in.fail("command", "the program itself may not come from a worker's name");
    }
    if (probe.kind == core::ProbeKind::tcp && !probe.address.starts_with('/') &&
        probe.address.find('{') != std::string::npos) {
        in.fail("address", "a placeholder only fits a unix socket path, not host:port");
    }
    if (probe.kind == core::ProbeKind::http && probe.url.find('{') != std::string::npos) {
        // The host is checked above (loopback): a name must not move it.
        const auto one = core::resolve_probe(probe, "a", "a");
        const auto other = core::resolve_probe(probe, "b", "b");
        if (!one || !other || http_host(in, one->url) != http_host(in, other->url)) {
            in.fail("url", "a placeholder may stand in the URL's path or query, not its host");
        }
    }
    if (const auto sample = core::resolve_probe(probe, "w", "w")) {
        if (sample->address.starts_with('/')) {
            check(in, "address", check_socket_path(sample->address));
        }
        if (!sample->unix_socket.empty()) {
            check(in, "unix_socket", check_socket_path(sample->unix_socket));
        }
    }
}

bool some_group_takes(const std::vector<core::GroupConfig>& groups, const std::string& name) {
    return std::any_of(groups.begin(), groups.end(), [&](const core::GroupConfig& group) {
        return std::any_of(group.match.begin(), group.match.end(), [&](const std::string& glob) {
            return ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
        });
    });
}

} // namespace

bool is_loopback_host(std::string_view host) noexcept {
    if (host == "localhost") {
        return true; // libcurl answers it with loopback itself, without a resolver
    }
    const std::string text(host);
    in_addr four{};
    if (::inet_pton(AF_INET, text.c_str(), &four) == 1) {
        return (ntohl(four.s_addr) >> 24) == 127;
    }
    in6_addr six{};
    if (::inet_pton(AF_INET6, text.c_str(), &six) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&six) != 0;
    }
    return false;
}

bool probe_target_is_remote(const core::ProbeSpec& probe) {
    if (probe.kind == core::ProbeKind::tcp && !probe.address.starts_with('/')) {
        std::string host = probe.address.substr(0, probe.address.rfind(':'));
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        return !is_loopback_host(host);
    }
    if (probe.kind == core::ProbeKind::http && probe.unix_socket.empty()) {
        const std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
        char* raw = nullptr;
        if (!parsed ||
            curl_url_set(parsed.get(), CURLUPART_URL, probe.url.c_str(), 0) != CURLUE_OK ||
            curl_url_get(parsed.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK) {
            return true;
        }
        const std::unique_ptr<char, CurlStringDeleter> host(raw);
        std::string text = host.get();
        if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
            text = text.substr(1, text.size() - 2);
        }
        return !is_loopback_host(text);
    }
    return false;
}

core::ProbeSpec read_probe(TableReader& in, const std::vector<core::GroupConfig>& groups) {
    core::ProbeSpec probe;
    probe.origin = where(in.table().source());
    if (const auto colon = probe.origin.rfind(':'); colon != std::string::npos) {
        probe.origin.resize(colon); // file:line
    }
    auto worker = in.string("worker");
    auto unit = in.string("unit");
    auto group = in.string("group");
    if (worker && unit) {
        in.fail("unit", "set worker or unit, not both");
    }
    if (group && (worker || unit)) {
        in.fail("group", "set one of worker, unit or group");
    }
    if (!worker && !unit && !group) {
        fail_at(in.table().source(),
                "probe: set 'worker' (a name), 'unit' (a unit glob) or 'group' (its members)");
    }
    const core::GroupConfig* members = nullptr;
    if (group) {
        const auto found = std::find_if(groups.begin(), groups.end(),
                                        [&](const auto& g) { return g.name == *group; });
        if (found == groups.end()) {
            in.fail("group", "no [[group]] is named '" + *group + "'");
        }
        members = &*found;
        probe.group = std::move(*group);
    } else if (worker) {
        if (!core::is_valid_worker_name(*worker)) {
            in.fail("worker", "'" + *worker + "' is not a worker name (1..64 of [A-Za-z0-9_.@:-])");
        }
        if (!some_group_takes(groups, *worker)) {
            in.fail("worker", "no group's match takes '" + *worker + "'");
        }
        probe.worker = std::move(*worker);
    } else {
        check(in, "unit", check_glob(*unit));
        probe.unit = std::move(*unit);
    }
    probe.kind = read_kind(in);
    const bool allow_remote = in.boolean("allow_remote").value_or(false);
    read_target(in, probe, allow_remote);
    check_placeholders(in, probe, members);
    read_timing(in, probe.timing);
    in.finish();
    return probe;
}

} // namespace nb::config
