#include "config/config_loader.hpp"
#include "config/config_writer.hpp"

#include <gtest/gtest.h>

namespace nb::config {
namespace {

using namespace std::chrono_literals;

daemon::DaemonSettings round_trip(const daemon::DaemonSettings& settings) {
    const std::string text = render_config(settings);
    auto result = load_config_string(text, "rendered.toml");
    EXPECT_TRUE(result.ok()) << (result ? "" : result.error().message) << "\n" << text;
    return result ? *result : daemon::DaemonSettings{};
}

// Field by field: a forgotten field in the writer fails here.
void expect_same(const daemon::DaemonSettings& a, const daemon::DaemonSettings& b) {
    EXPECT_EQ(a.socket.path, b.socket.path);
    EXPECT_EQ(a.socket.mode, b.socket.mode);
    EXPECT_EQ(a.socket.group, b.socket.group);
    EXPECT_EQ(a.socket.receive_buffer, b.socket.receive_buffer);
    EXPECT_EQ(a.bus.bus, b.bus.bus);
    EXPECT_EQ(a.bus.name, b.bus.name);
    EXPECT_EQ(a.spawn.command, b.spawn.command);
    EXPECT_EQ(a.spawn.copies, b.spawn.copies);
    EXPECT_EQ(a.log_level, b.log_level);
    const core::BrokerConfig& x = a.broker;
    const core::BrokerConfig& y = b.broker;
    EXPECT_EQ(x.rate_limit.burst, y.rate_limit.burst);
    EXPECT_EQ(x.rate_limit.per_second, y.rate_limit.per_second);
    EXPECT_EQ(x.max_workers, y.max_workers);
    EXPECT_EQ(x.max_status_length, y.max_status_length);
    EXPECT_EQ(x.status_interval, y.status_interval);
    EXPECT_EQ(x.status_format, y.status_format);
    EXPECT_EQ(x.watchdog_trigger, y.watchdog_trigger);
    EXPECT_EQ(x.extend_timeout, y.extend_timeout);
    EXPECT_EQ(x.max_extend_timeout, y.max_extend_timeout);
    ASSERT_EQ(x.groups.size(), y.groups.size());
    for (std::size_t i = 0; i < x.groups.size(); ++i) {
        EXPECT_EQ(x.groups[i].name, y.groups[i].name);
        EXPECT_EQ(x.groups[i].expected, y.groups[i].expected);
        EXPECT_EQ(x.groups[i].required, y.groups[i].required);
        EXPECT_EQ(x.groups[i].min_ready, y.groups[i].min_ready);
        EXPECT_EQ(x.groups[i].match, y.groups[i].match);
        EXPECT_EQ(x.groups[i].start_timeout, y.groups[i].start_timeout);
        EXPECT_EQ(x.groups[i].watchdog, y.groups[i].watchdog);
        EXPECT_EQ(x.groups[i].worker_watchdog_min, y.groups[i].worker_watchdog_min);
        EXPECT_EQ(x.groups[i].worker_watchdog_max, y.groups[i].worker_watchdog_max);
    }
    ASSERT_EQ(x.allow.size(), y.allow.size());
    for (std::size_t i = 0; i < x.allow.size(); ++i) {
        EXPECT_EQ(x.allow[i].uid, y.allow[i].uid);
        EXPECT_EQ(x.allow[i].gid, y.allow[i].gid);
        EXPECT_EQ(x.allow[i].unit, y.allow[i].unit);
        EXPECT_EQ(x.allow[i].names, y.allow[i].names);
    }
}

TEST(ConfigWriter, TheDefaultsSurviveARoundTrip) {
    const daemon::DaemonSettings defaults;
    expect_same(round_trip(defaults), defaults);
}

TEST(ConfigWriter, EverySettingSurvivesARoundTrip) {
    daemon::DaemonSettings settings;
    settings.socket.path = "@weird \"name\" \\ with\ttab";
    settings.socket.mode = 0600;
    settings.socket.group = 42;
    settings.socket.receive_buffer = 8192;
    settings.bus.bus = "unix:path=/tmp/bus";
    settings.bus.name = "org.example.Thing";
    settings.spawn.command = {"/bin/sh", "-c", "echo \"hi\"\n"};
    settings.spawn.copies = 3;
    settings.log_level = daemon::LogLevel::notice;
    settings.broker.rate_limit = {7, 3};
    settings.broker.max_workers = 99;
    settings.broker.max_status_length = 0;
    settings.broker.status_interval = 1500ms;
    settings.broker.status_format = "{ready}/{expected} ✓ {details}";
    settings.broker.watchdog_trigger = true;
    settings.broker.extend_timeout = 90s + 5us;
    settings.broker.max_extend_timeout = 2min;
    core::GroupConfig web;
    web.name = "web";
    web.expected = 4;
    web.min_ready = 3;
    web.match = {"web-*", "w[0-9]"};
    web.start_timeout = 30s;
    web.watchdog = 10s;
    web.worker_watchdog_min = 2s;
    web.worker_watchdog_max = 30min;
    core::GroupConfig cache;
    cache.name = "cache";
    cache.required = false;
    settings.broker.groups = {web, cache};
    core::AllowRule by_uid;
    by_uid.uid = 1000;
    by_uid.names = {"web-*"};
    core::AllowRule by_unit;
    by_unit.gid = 0;
    by_unit.unit = "cache@*.service";
    settings.broker.allow = {by_uid, by_unit};
    expect_same(round_trip(settings), settings);
}

TEST(ConfigWriter, IdsAreNumbersWithTheirNamesAsComments) {
    daemon::DaemonSettings settings;
    settings.socket.group = 0;
    core::AllowRule rule;
    rule.uid = 0;
    rule.gid = 0;
    settings.broker.allow = {rule};
    const std::string text = render_config(settings);
    EXPECT_NE(text.find("socket_group = 0 # root\n"), std::string::npos) << text;
    EXPECT_NE(text.find("uid = 0 # root\n"), std::string::npos) << text;
    EXPECT_NE(text.find("gid = 0 # root\n"), std::string::npos) << text;
    expect_same(round_trip(settings), settings);
}

TEST(ConfigWriter, TheOutputSaysWhereTheSettingsCameFrom) {
    daemon::DaemonSettings settings;
    settings.config_path = "/etc/notify-brokerd.toml";
    EXPECT_NE(render_config(settings).find("from /etc/notify-brokerd.toml"), std::string::npos);
}

TEST(ConfigWriter, ALoadedFileRendersToTheSameSettings) {
    auto loaded = load_config_string(R"(
[broker]
socket_mode = 0o640
status_interval = "1min 30s"
[[group]]
name = "web"
expect = 2
watchdog = "2.5s"
[[allow]]
user = "root"
)");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    expect_same(round_trip(*loaded), *loaded);
}

} // namespace
} // namespace nb::config
