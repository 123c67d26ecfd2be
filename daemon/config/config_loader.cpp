#include "config/config_loader.hpp"

#include "config/duration.hpp"
#include "config/probe_reader.hpp"
#include "config/table_reader.hpp"
#include "config/value_parsers.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

namespace nb::config {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::uint64_t max_pool = 1'000'000; // far above any real pool, far below overflow

template <class T>
T checked(TableReader& reader, std::string_view key, proto::Result<T> result) {
    if (!result) {
        reader.fail(key, result.error().message);
    }
    return std::move(result).value();
}

void check(TableReader& reader, std::string_view key, const proto::Status& status) {
    if (!status) {
        reader.fail(key, status.error().message);
    }
}

void read_broker(TableReader& in, daemon::DaemonSettings& out) {
    core::BrokerConfig& broker = out.broker;
    if (auto socket = in.string("socket")) {
        check(in, "socket", check_socket_path(*socket));
        out.socket.path = *socket;
    }
    if (auto mode = in.mode("socket_mode")) {
        out.socket.mode = *mode;
    }
    if (auto group = in.group("socket_group")) {
        out.socket.group = *group;
    }
    if (auto size = in.count("receive_buffer", 4096, std::numeric_limits<int>::max())) {
        out.socket.receive_buffer = static_cast<int>(*size);
    }
    if (auto level = in.string("log_level")) {
        out.log_level = checked(in, "log_level", parse_log_level(*level));
    }
    if (auto workers = in.count("max_workers", 1, max_pool)) {
        broker.max_workers = *workers;
    }
    if (auto length = in.count("max_status_length", 0, 16 * 1024)) {
        broker.max_status_length = *length;
    }
    if (auto interval = in.duration("status_interval", longest_status_interval)) {
        if (interval->count() != 0 && *interval < milliseconds{1}) {
            in.fail("status_interval", "must be 0 or at least 1ms");
        }
        broker.status_interval = duration_cast<milliseconds>(*interval);
    }
    if (auto format = in.string("status_format")) {
        check(in, "status_format", check_status_format(*format));
        broker.status_format = *format;
    }
    if (auto trigger = in.boolean("watchdog_trigger")) {
        broker.watchdog_trigger = *trigger;
    }
    if (auto extend = in.duration("extend_timeout", longest_extend_timeout)) {
        broker.extend_timeout = *extend;
    }
    if (auto cap = in.duration("max_extend_timeout", longest_max_extend_timeout)) {
        broker.max_extend_timeout = *cap;
    }
    if (auto path = in.string("metrics_file")) {
        if (!path->empty() && path->front() != '/') {
            in.fail("metrics_file", "must be an absolute path (or \"\" for none)");
        }
        out.metrics_file = *path;
    }
    in.finish();
}

void read_dbus(TableReader& in, daemon::BusSettings& out) {
    if (auto bus = in.string("bus")) {
        check(in, "bus", check_bus(*bus));
        out.bus = *bus;
    }
    if (auto name = in.string("name")) {
        check(in, "name", check_bus_name(*name));
        out.name = *name;
    }
    in.finish();
}

void read_rate_limit(TableReader& in, core::RateLimit& out) {
    if (auto burst = in.count("burst", 1, max_pool)) {
        out.burst = static_cast<unsigned>(*burst);
    }
    if (auto rate = in.count("per_second", 1, max_pool)) {
        out.per_second = static_cast<unsigned>(*rate);
    }
    in.finish();
}

void read_spawn(TableReader& in, daemon::SpawnSettings& out) {
    if (auto command = in.strings("command", false)) {
        if (command->front().empty()) {
            in.fail("command", "the program name must not be empty");
        }
        out.command = *command;
    }
    if (auto copies = in.count("workers", 1, 4096)) {
        out.copies = static_cast<unsigned>(*copies);
    }
    if (in.table().contains("workers") && out.command.empty()) {
        in.fail("workers", "needs a command to run");
    }
    in.finish();
}

std::vector<std::string> read_globs(TableReader& in, std::string_view key) {
    auto globs = in.strings(key, false);
    if (!globs) {
        return {"*"};
    }
    for (std::size_t i = 0; i < globs->size(); ++i) {
        if (auto status = check_glob((*globs)[i]); !status) {
            fail_at(in.table().get(key)->as_array()->get(i)->source(),
                    std::string(key) + ": " + status.error().message);
        }
    }
    return *globs;
}

core::GroupConfig read_group(TableReader& in) {
    core::GroupConfig group;
    auto name = in.string("name");
    if (!name) {
        fail_at(in.table().source(), "group: missing key 'name'");
    }
    check(in, "name", check_group_name(*name));
    group.name = *name;
    if (auto expected = in.count("expect", 1, max_pool)) {
        group.expected = static_cast<unsigned>(*expected);
    }
    if (auto required = in.boolean("required")) {
        group.required = *required;
    }
    if (auto quorum = in.count("min_ready", 1, max_pool)) {
        if (*quorum > group.expected) {
            in.fail("min_ready", "min_ready (" + std::to_string(*quorum) +
                                     ") is more than expect (" + std::to_string(group.expected) +
                                     ")");
        }
        group.min_ready = static_cast<unsigned>(*quorum);
    }
    group.match = read_globs(in, "match");
    if (auto timeout = in.duration("start_timeout", longest_start_timeout)) {
        group.start_timeout = *timeout;
    }
    if (auto watchdog = in.duration("watchdog", longest_watchdog)) {
        group.watchdog = *watchdog;
    }
    const auto low = in.duration("worker_watchdog_min", longest_watchdog);
    const auto high = in.duration("worker_watchdog_max", longest_watchdog);
    group.worker_watchdog_min = low.value_or(group.worker_watchdog_min);
    group.worker_watchdog_max = high.value_or(group.worker_watchdog_max);
    if (group.worker_watchdog_min > group.worker_watchdog_max) {
        in.fail(high ? "worker_watchdog_max" : "worker_watchdog_min",
                "worker_watchdog_min is more than worker_watchdog_max");
    }
    if (auto timeout = in.duration("reload_timeout", longest_start_timeout)) {
        group.reload_timeout = *timeout;
    }
    if (auto outcome = in.string("reload_outcome")) {
        if (*outcome != "ready" && *outcome != "degraded") {
            in.fail("reload_outcome",
                    "expected \"ready\" or \"degraded\", not \"" + *outcome + "\"");
        }
        group.reload_outcome =
            *outcome == "degraded" ? core::ReloadOutcome::degraded : core::ReloadOutcome::ready;
    }
    in.finish();
    return group;
}

core::AllowRule read_allow(TableReader& in) {
    core::AllowRule rule;
    // uid/user and gid/group are synonyms: both take a name or a number.
    const auto uid = in.user("uid");
    const auto user = in.user("user");
    if (uid && user) {
        in.fail("user", "set uid or user, not both");
    }
    rule.uid = uid ? uid : user;
    const auto gid = in.group("gid");
    const auto group = in.group("group");
    if (gid && group) {
        in.fail("group", "set gid or group, not both");
    }
    rule.gid = gid ? gid : group;
    if (auto unit = in.string("unit")) {
        check(in, "unit", check_glob(*unit));
        rule.unit = *unit;
    }
    rule.names = read_globs(in, "names");
    in.finish();
    return rule;
}

// [[name]]: an array whose elements are all tables.
const toml::array* tables_of(TableReader& top, std::string_view key) {
    const toml::node* node = top.find(key);
    if (node == nullptr) {
        return nullptr;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
        top.fail(key, "expected an array of tables: write [[" + std::string(key) + "]]");
    }
    return array;
}

const toml::table* table_of(TableReader& top, std::string_view key) {
    const toml::node* node = top.find(key);
    if (node == nullptr) {
        return nullptr;
    }
    if (!node->is_table()) {
        top.fail(key, "expected a table: write [" + std::string(key) + "]");
    }
    return node->as_table();
}

void read_document(const toml::table& document, daemon::DaemonSettings& out) {
    TableReader top(document, "");
    if (const auto* table = table_of(top, "broker")) {
        TableReader in(*table, "broker");
        read_broker(in, out);
    }
    if (const auto* table = table_of(top, "dbus")) {
        TableReader in(*table, "dbus");
        read_dbus(in, out.bus);
    }
    if (const auto* table = table_of(top, "rate_limit")) {
        TableReader in(*table, "rate_limit");
        read_rate_limit(in, out.broker.rate_limit);
    }
    if (const auto* table = table_of(top, "spawn")) {
        TableReader in(*table, "spawn");
        read_spawn(in, out.spawn);
    }
    if (const auto* groups = tables_of(top, "group")) {
        out.broker.groups.clear();
        std::uint64_t total = 0;
        for (const toml::node& node : *groups) {
            TableReader in(*node.as_table(), "group");
            core::GroupConfig group = read_group(in);
            for (std::size_t i = 0; i < out.broker.groups.size(); ++i) {
                if (out.broker.groups[i].name == group.name) {
                    const auto& first = (*groups)[i].as_table()->get("name")->source();
                    in.fail("name", "group '" + group.name + "' is already defined at line " +
                                        std::to_string(first.begin.line));
                }
            }
            total += group.expected;
            if (total > out.broker.max_workers) {
                in.fail("expect", "the groups expect " + std::to_string(total) +
                                      " workers, more than broker.max_workers (" +
                                      std::to_string(out.broker.max_workers) + ")");
            }
            out.broker.groups.push_back(std::move(group));
        }
    }
    if (const auto* rules = tables_of(top, "allow")) {
        for (const toml::node& node : *rules) {
            TableReader in(*node.as_table(), "allow");
            out.broker.allow.push_back(read_allow(in));
        }
    }
    if (const auto* probes = tables_of(top, "probe")) {
        for (const toml::node& node : *probes) {
            TableReader in(*node.as_table(), "probe");
            out.probes.push_back(read_probe(in, out.broker.groups));
        }
    }
    top.finish();
}

} // namespace

proto::Result<daemon::DaemonSettings> load_config_string(std::string_view text,
                                                         std::string_view name) {
    daemon::DaemonSettings settings;
    try {
        const toml::table document = toml::parse(text, name);
        read_document(document, settings);
    } catch (const toml::parse_error& error) {
        return proto::Error{where(error.source()) + ": " + std::string(error.description())};
    } catch (const ConfigError& error) {
        return proto::Error{error.what()};
    }
    return settings;
}

proto::Result<daemon::DaemonSettings> load_config_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return proto::Error{path + ": cannot read: " + std::strerror(errno)};
    }
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) {
        return proto::Error{path + ": cannot read: " + std::strerror(errno)};
    }
    auto settings = load_config_string(text.str(), path);
    if (settings) {
        settings->config_path = path;
    }
    return settings;
}

} // namespace nb::config
