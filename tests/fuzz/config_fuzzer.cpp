// The TOML config loader (config/config_loader.hpp) on arbitrary text: it never
// crashes, every error names where ("fuzz.toml:LINE:COL: ..."), and a config
// it accepts survives --check-config's round trip: render_config() writes a
// file that loads to the same settings and renders to the same text.
#include "config/config_loader.hpp"
#include "config/config_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using nb::daemon::DaemonSettings;

constexpr std::string_view file_name = "fuzz.toml";

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

/// "fuzz.toml:LINE:COL: what", LINE and COL positive.
bool names_line_and_column(std::string_view message) {
    if (!message.starts_with(file_name) || message.size() <= file_name.size() ||
        message[file_name.size()] != ':') {
        return false;
    }
    message.remove_prefix(file_name.size() + 1);
    for (int number = 0; number < 2; ++number) { // LINE, then COL
        const std::size_t digits = message.find_first_not_of("0123456789");
        if (digits == 0 || digits == std::string_view::npos || message[digits] != ':' ||
            message.substr(0, digits).find_first_not_of('0') == std::string_view::npos) {
            return false;
        }
        message.remove_prefix(digits + 1);
    }
    return message.starts_with(' ') && message.size() > 1;
}

/// Field by field (DaemonSettings has no operator==); config_path and
/// check_config_only are not part of a file.
bool same(const DaemonSettings& a, const DaemonSettings& b) {
    const auto& x = a.broker;
    const auto& y = b.broker;
    if (a.socket.path != b.socket.path || a.socket.mode != b.socket.mode ||
        a.socket.group != b.socket.group || a.socket.receive_buffer != b.socket.receive_buffer ||
        a.bus.bus != b.bus.bus || a.bus.name != b.bus.name || a.spawn.command != b.spawn.command ||
        a.spawn.copies != b.spawn.copies || a.log_level != b.log_level ||
        x.rate_limit.burst != y.rate_limit.burst ||
        x.rate_limit.per_second != y.rate_limit.per_second || x.max_workers != y.max_workers ||
        x.max_status_length != y.max_status_length || x.status_interval != y.status_interval ||
        x.status_format != y.status_format || x.watchdog_trigger != y.watchdog_trigger ||
        x.extend_timeout != y.extend_timeout || x.groups.size() != y.groups.size() ||
        x.allow.size() != y.allow.size()) {
        return false;
    }
    for (std::size_t i = 0; i < x.groups.size(); ++i) {
        const auto& g = x.groups[i];
        const auto& h = y.groups[i];
        if (g.name != h.name || g.expected != h.expected || g.required != h.required ||
            g.min_ready != h.min_ready || g.match != h.match ||
            g.start_timeout != h.start_timeout || g.watchdog != h.watchdog) {
            return false;
        }
    }
    for (std::size_t i = 0; i < x.allow.size(); ++i) {
        const auto& r = x.allow[i];
        const auto& s = y.allow[i];
        if (r.uid != s.uid || r.gid != s.gid || r.unit != s.unit || r.names != s.names) {
            return false;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto settings = nb::config::load_config_string(text, file_name);
    if (!settings) {
        if (!names_line_and_column(settings.error().message)) {
            fail("an error that does not name line:col", settings.error().message);
        }
        return 0;
    }
    if (settings->config_path) {
        fail("config_path set by load_config_string", *settings->config_path);
    }
    const std::string rendered = nb::config::render_config(*settings);
    const auto again = nb::config::load_config_string(rendered, file_name);
    if (!again) {
        fail("--check-config's output does not load", again.error().message + "\n" + rendered);
    }
    if (!same(*settings, *again)) {
        fail("--check-config's output loads to other settings", rendered);
    }
    if (nb::config::render_config(*again) != rendered) {
        fail("--check-config's output renders differently once loaded", rendered);
    }
    return 0;
}
