#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <unistd.h>

namespace nb::config {
namespace {

using namespace std::chrono_literals;

daemon::DaemonSettings load(std::string_view text) {
    auto result = load_config_string(text, "test.toml");
    EXPECT_TRUE(result.ok()) << (result ? "" : result.error().message);
    return result ? *result : daemon::DaemonSettings{};
}

TEST(ConfigLoader, AnEmptyFileGivesTheDefaults) {
    const daemon::DaemonSettings settings = load("");
    const daemon::DaemonSettings defaults;
    EXPECT_EQ(settings.socket.path, defaults.socket.path);
    EXPECT_EQ(settings.socket.mode, 0660U);
    ASSERT_EQ(settings.broker.groups.size(), 1U);
    EXPECT_EQ(settings.broker.groups[0].name, "workers");
    EXPECT_EQ(settings.broker.groups[0].expected, 1U);
    EXPECT_TRUE(settings.broker.allow.empty());
    EXPECT_FALSE(settings.config_path.has_value());
}

TEST(ConfigLoader, ReadsEveryBrokerKey) {
    const auto settings = load(R"(
[broker]
socket = "@nb-test"
socket_mode = "0600"
socket_group = "root"
receive_buffer = 65536
log_level = "debug"
max_workers = 64
max_status_length = 100
status_interval = "1min 30s"
status_format = "{ready}/{expected}: {details}"
watchdog_trigger = true
extend_timeout = "10s"
)");
    EXPECT_EQ(settings.socket.path, "@nb-test");
    EXPECT_EQ(settings.socket.mode, 0600U);
    EXPECT_EQ(settings.socket.group, 0U);
    EXPECT_EQ(settings.socket.receive_buffer, 65536);
    EXPECT_EQ(settings.log_level, daemon::LogLevel::debug);
    EXPECT_EQ(settings.broker.max_workers, 64U);
    EXPECT_EQ(settings.broker.max_status_length, 100U);
    EXPECT_EQ(settings.broker.status_interval, 90s);
    EXPECT_EQ(settings.broker.status_format, "{ready}/{expected}: {details}");
    EXPECT_TRUE(settings.broker.watchdog_trigger);
    EXPECT_EQ(settings.broker.extend_timeout, 10s);
}

TEST(ConfigLoader, ReadsBusRateLimitAndSpawnTables) {
    const auto settings = load(R"(
[dbus]
bus = "session"
name = "org.notifybroker.Broker1.web"
[rate_limit]
burst = 10
per_second = 5
[spawn]
command = ["/usr/bin/worker", "--flag"]
workers = 3
)");
    EXPECT_EQ(settings.bus.bus, "session");
    EXPECT_EQ(settings.bus.name, "org.notifybroker.Broker1.web");
    EXPECT_EQ(settings.broker.rate_limit.burst, 10U);
    EXPECT_EQ(settings.broker.rate_limit.per_second, 5U);
    EXPECT_EQ(settings.spawn.command, (std::vector<std::string>{"/usr/bin/worker", "--flag"}));
    EXPECT_EQ(settings.spawn.copies, 3U);
}

TEST(ConfigLoader, GroupsReplaceTheDefaultGroupInOrder) {
    const auto settings = load(R"(
[[group]]
name = "web"
expect = 4
min_ready = 3
match = ["web-*", "www-[0-9]"]
start_timeout = "30s"
watchdog = "10s"

[[group]]
name = "cache"
required = false
)");
    ASSERT_EQ(settings.broker.groups.size(), 2U);
    const core::GroupConfig& web = settings.broker.groups[0];
    EXPECT_EQ(web.name, "web");
    EXPECT_EQ(web.expected, 4U);
    EXPECT_TRUE(web.required);
    EXPECT_EQ(web.min_ready, 3U);
    EXPECT_EQ(web.match, (std::vector<std::string>{"web-*", "www-[0-9]"}));
    EXPECT_EQ(web.start_timeout, 30s);
    EXPECT_EQ(web.watchdog, 10s);
    const core::GroupConfig& cache = settings.broker.groups[1];
    EXPECT_EQ(cache.name, "cache");
    EXPECT_EQ(cache.expected, 1U);
    EXPECT_FALSE(cache.required);
    EXPECT_FALSE(cache.min_ready.has_value());
    EXPECT_EQ(cache.match, std::vector<std::string>{"*"});
    EXPECT_EQ(cache.watchdog, 0us);
}

TEST(ConfigLoader, ReadsAGroupsReloadTimeoutAndOutcome) {
    const auto settings = load(R"(
[[group]]
name = "web"
reload_timeout = "20s"
reload_outcome = "degraded"

[[group]]
name = "cache"
)");
    ASSERT_EQ(settings.broker.groups.size(), 2U);
    EXPECT_EQ(settings.broker.groups[0].reload_timeout, 20s);
    EXPECT_EQ(settings.broker.groups[0].reload_outcome, core::ReloadOutcome::degraded);
    EXPECT_EQ(settings.broker.groups[1].reload_timeout, 0us); // not waited for
    EXPECT_EQ(settings.broker.groups[1].reload_outcome, core::ReloadOutcome::ready);
}

TEST(ConfigLoader, AllowRulesTakeNamesOrNumbers) {
    const auto settings = load(R"(
[[allow]]
user = "root"
group = "root"
unit = "web@*.service"
names = ["web-*"]

[[allow]]
uid = 1000
gid = "100"

[[allow]]
unit = "cache.service"
)");
    ASSERT_EQ(settings.broker.allow.size(), 3U);
    EXPECT_EQ(settings.broker.allow[0].uid, 0U);
    EXPECT_EQ(settings.broker.allow[0].gid, 0U);
    EXPECT_EQ(settings.broker.allow[0].unit, "web@*.service");
    EXPECT_EQ(settings.broker.allow[0].names, std::vector<std::string>{"web-*"});
    EXPECT_EQ(settings.broker.allow[1].uid, 1000U);
    EXPECT_EQ(settings.broker.allow[1].gid, 100U);
    EXPECT_FALSE(settings.broker.allow[1].unit.has_value());
    EXPECT_EQ(settings.broker.allow[1].names, std::vector<std::string>{"*"});
    EXPECT_FALSE(settings.broker.allow[2].uid.has_value());
}

TEST(ConfigLoader, ModesMayBeOctalIntegers) {
    EXPECT_EQ(load("[broker]\nsocket_mode = 0o640\n").socket.mode, 0640U);
}

TEST(ConfigLoader, DurationsMayBeIntegerSeconds) {
    EXPECT_EQ(load("[broker]\nextend_timeout = 90\n").broker.extend_timeout, 90s);
}

TEST(ConfigLoader, ReadsAFileAndRemembersItsPath) {
    char path[] = "/tmp/nb-config-test-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << "[broker]\nmax_workers = 7\n";
    auto result = load_config_file(path);
    std::remove(path);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->broker.max_workers, 7U);
    EXPECT_EQ(result->config_path, path);
}

TEST(ConfigLoader, AMissingFileIsAnErrorNamingIt) {
    auto result = load_config_file("/nonexistent/notify-brokerd.toml");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message,
              "/nonexistent/notify-brokerd.toml: cannot read: No such file or directory");
}

TEST(ConfigLoader, TheAnnotatedExampleConfigIsValid) {
    auto result = load_config_file(NB_EXAMPLE_CONFIG);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_FALSE(result->broker.groups.empty());
}

} // namespace
} // namespace nb::config
