#include "config/config_writer.hpp"

#include "config/duration.hpp"
#include "config/probe_reader.hpp"
#include "config/value_parsers.hpp"

#include <nb/proto/quote.hpp>

#include <sstream>

namespace nb::config {
namespace {

// A TOML basic string: quotes, backslashes and control characters escaped, so
// that any value (a status format, an odd path) survives the round trip.
std::string quote(std::string_view text) {
    return proto::quote(text, proto::QuoteStyle{.unicode_escapes = true, .keep_high_bytes = true});
}

std::string quote_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + quote(items[i]);
    }
    return out + "]";
}

const char* boolean(bool value) {
    return value ? "true" : "false";
}

// Ids are written as numbers (what the broker compares); the name, when the
// databases know it, follows as a comment for the reader.
std::string with_name(unsigned id, const std::optional<std::string>& name) {
    std::string out = std::to_string(id);
    if (name) {
        out += " # " + *name;
    }
    return out;
}

} // namespace

std::string render_config(const daemon::DaemonSettings& settings) {
    const core::BrokerConfig& broker = settings.broker;
    std::ostringstream out;
    out << "# Effective configuration of notify-brokerd";
    if (settings.config_path) {
        out << " (from " << *settings.config_path << " and the command line)";
    }
    out << ".\n\n[broker]\n";
    out << "socket = " << quote(settings.socket.path) << '\n';
    out << "socket_mode = " << quote(format_mode(settings.socket.mode)) << '\n';
    if (settings.socket.group) {
        out << "socket_group = "
            << with_name(*settings.socket.group, group_name(*settings.socket.group)) << '\n';
    }
    out << "receive_buffer = " << settings.socket.receive_buffer << '\n';
    out << "log_level = " << quote(to_string(settings.log_level)) << '\n';
    out << "max_workers = " << broker.max_workers << '\n';
    out << "max_status_length = " << broker.max_status_length << '\n';
    out << "status_interval = " << quote(format_duration(broker.status_interval)) << '\n';
    out << "status_format = " << quote(broker.status_format) << '\n';
    if (!settings.metrics_file.empty()) {
        out << "metrics_file = " << quote(settings.metrics_file) << '\n';
    }
    out << "watchdog_trigger = " << boolean(broker.watchdog_trigger) << '\n';
    out << "extend_timeout = " << quote(format_duration(broker.extend_timeout)) << '\n';
    out << "max_extend_timeout = " << quote(format_duration(broker.max_extend_timeout)) << '\n';

    out << "\n[dbus]\n";
    out << "bus = " << quote(settings.bus.bus) << '\n';
    out << "name = " << quote(settings.bus.name) << '\n';

    out << "\n[rate_limit]\n";
    out << "burst = " << broker.rate_limit.burst << '\n';
    out << "per_second = " << broker.rate_limit.per_second << '\n';

    if (!settings.spawn.command.empty()) {
        out << "\n[spawn]\n";
        out << "command = " << quote_list(settings.spawn.command) << '\n';
        out << "workers = " << settings.spawn.copies << '\n';
    }

    for (const core::GroupConfig& group : broker.groups) {
        out << "\n[[group]]\n";
        out << "name = " << quote(group.name) << '\n';
        out << "expect = " << group.expected << '\n';
        out << "required = " << boolean(group.required) << '\n';
        if (group.min_ready) {
            out << "min_ready = " << *group.min_ready << '\n';
        }
        out << "match = " << quote_list(group.match) << '\n';
        out << "start_timeout = " << quote(format_duration(group.start_timeout)) << '\n';
        out << "watchdog = " << quote(format_duration(group.watchdog)) << '\n';
        out << "worker_watchdog_min = " << quote(format_duration(group.worker_watchdog_min))
            << '\n';
        out << "worker_watchdog_max = " << quote(format_duration(group.worker_watchdog_max))
            << '\n';
        out << "reload_timeout = " << quote(format_duration(group.reload_timeout)) << '\n';
        out << "reload_outcome = "
            << quote(group.reload_outcome == core::ReloadOutcome::degraded ? "degraded" : "ready")
            << '\n';
    }

    for (const core::AllowRule& rule : broker.allow) {
        out << "\n[[allow]]\n";
        if (rule.uid) {
            out << "uid = " << with_name(*rule.uid, user_name(*rule.uid)) << '\n';
        }
        if (rule.gid) {
            out << "gid = " << with_name(*rule.gid, group_name(*rule.gid)) << '\n';
        }
        if (rule.unit) {
            out << "unit = " << quote(*rule.unit) << '\n';
        }
        out << "names = " << quote_list(rule.names) << '\n';
    }

    for (const core::ProbeSpec& probe : settings.probes) {
        out << "\n[[probe]]\n";
        out << (!probe.group.empty() ? "group = " + quote(probe.group)
                : probe.unit.empty() ? "worker = " + quote(probe.worker)
                                     : "unit = " + quote(probe.unit))
            << '\n';
        switch (probe.kind) {
        case core::ProbeKind::exec:
            out << "kind = \"exec\"\ncommand = " << quote_list(probe.command) << '\n';
            break;
        case core::ProbeKind::tcp:
            out << "kind = \"tcp\"\naddress = " << quote(probe.address) << '\n';
            break;
        case core::ProbeKind::http:
            out << "kind = \"http\"\nurl = " << quote(probe.url) << '\n';
            if (!probe.unix_socket.empty()) {
                out << "unix_socket = " << quote(probe.unix_socket) << '\n';
            }
            if (!probe.body_contains.empty()) {
                out << "body = " << quote(probe.body_contains) << '\n';
            }
            break;
        }
        const core::ProbeTiming& timing = probe.timing;
        out << "interval = " << quote(format_duration(timing.interval)) << '\n';
        out << "timeout = " << quote(format_duration(timing.timeout)) << '\n';
        out << "initial_delay = " << quote(format_duration(timing.initial_delay)) << '\n';
        out << "success_threshold = " << timing.success_threshold << '\n';
        out << "failure_threshold = " << timing.failure_threshold << '\n';
        out << "start_timeout = " << quote(format_duration(timing.start_timeout)) << '\n';
        out << "allow_remote = " << boolean(probe_target_is_remote(probe)) << '\n';
    }
    return out.str();
}

} // namespace nb::config
