// What a reload applies live and what waits for a restart (issue 14 point 5).
#include "config/config_loader.hpp"
#include "config/reload_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace nb::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

daemon::DaemonSettings load(std::string_view text) {
    auto result = load_config_string(text, "test.toml");
    EXPECT_TRUE(result.ok()) << (result ? "" : result.error().message);
    return result ? *result : daemon::DaemonSettings{};
}

TEST(AReloadPlan, AppliesTheLiveSettingsAsLoaded) {
    const auto running = load("");
    const auto plan = plan_reload(running, load(R"(
[broker]
socket_mode = "0600"
socket_group = "root"
receive_buffer = 65536
log_level = "debug"
status_format = "{ready} of {expected}"
[rate_limit]
burst = 5
[[group]]
name = "web"
expect = 3
reload_timeout = "10s"
[[allow]]
uid = 0
)"));
    EXPECT_THAT(plan.needs_restart, IsEmpty());
    EXPECT_THAT(plan.changed_live,
                ElementsAre("broker.socket_mode", "broker.socket_group", "broker.receive_buffer",
                            "broker.log_level", "broker.status_format", "rate_limit.burst", "group",
                            "allow"));
    EXPECT_EQ(plan.apply.socket.mode, 0600U);
    EXPECT_EQ(plan.apply.socket.group, 0U);
    EXPECT_EQ(plan.apply.log_level, daemon::LogLevel::debug);
    EXPECT_EQ(plan.apply.broker.rate_limit.burst, 5U);
    ASSERT_EQ(plan.apply.broker.groups.size(), 1U);
    EXPECT_EQ(plan.apply.broker.groups[0].expected, 3U);
    EXPECT_EQ(plan.apply.broker.allow.size(), 1U);
}

TEST(AReloadPlan, KeepsTheRunningValueOfWhatNeedsARestartAndNamesIt) {
    const auto running = load("");
    const auto plan = plan_reload(running, load(R"(
[broker]
socket = "/run/elsewhere.sock"
max_workers = 7
[dbus]
bus = "session"
name = "org.notifybroker.Broker1.other"
[spawn]
command = ["/bin/true"]
)"));
    EXPECT_THAT(plan.needs_restart,
                ElementsAre("broker.socket", "broker.max_workers", "spawn.command"));
    // [dbus] bus and name apply live (BusService::reconfigure).
    EXPECT_THAT(plan.changed_live, ElementsAre("dbus.bus", "dbus.name"));
    EXPECT_EQ(plan.apply.socket.path, running.socket.path);
    EXPECT_EQ(plan.apply.broker.max_workers, running.broker.max_workers);
    EXPECT_EQ(plan.apply.bus.bus, "session");
    EXPECT_EQ(plan.apply.bus.name, "org.notifybroker.Broker1.other");
    EXPECT_TRUE(plan.apply.spawn.command.empty());
}

TEST(AReloadPlan, OfAnUnchangedFileChangesNothing) {
    const char* text = "[broker]\nlog_level = \"debug\"\n[[group]]\nname = \"web\"\n";
    const auto plan = plan_reload(load(text), load(text));
    EXPECT_THAT(plan.changed_live, IsEmpty());
    EXPECT_THAT(plan.needs_restart, IsEmpty());
}

TEST(AReloadPlan, SeesAChangeInAnyGroupKey) {
    const auto running = load("[[group]]\nname = \"web\"\n");
    for (const char* key : {"expect = 2", "required = false", "min_ready = 1",
                            "match = [\"web-*\"]", "start_timeout = \"1s\"", "watchdog = \"1s\"",
                            "worker_watchdog_min = \"2s\"", "worker_watchdog_max = \"2s\"",
                            "reload_timeout = \"1s\"", "reload_outcome = \"degraded\""}) {
        const auto plan =
            plan_reload(running, load(std::string("[[group]]\nname = \"web\"\n") + key + "\n"));
        EXPECT_THAT(plan.changed_live, ElementsAre("group")) << key;
    }
}

TEST(AReloadPlan, NamesAChangedMetricsFileAsNeedingARestartAndAppliesAChangedProbeLive) {
    const char* probe = "[[group]]\nname = \"web\"\n[[probe]]\nworker = \"web\"\nkind = \"exec\"\n"
                        "command = [\"/bin/true\"]\n";
    const auto running = load(probe);
    const auto plan =
        plan_reload(running, load(std::string("[broker]\nmetrics_file = \"/run/m.prom\"\n") +
                                  probe + "interval = \"3s\"\n"));
    EXPECT_THAT(plan.needs_restart, ElementsAre("broker.metrics_file"));
    EXPECT_THAT(plan.changed_live, ElementsAre("probe"));
    EXPECT_TRUE(plan.apply.metrics_file.empty());
    ASSERT_EQ(plan.apply.probes.size(), 1U);
    EXPECT_EQ(plan.apply.probes[0].timing.interval, std::chrono::seconds(3));
    // The same probe further down the file (another origin) is no change.
    const auto moved = plan_reload(running, load(std::string("\n\n") + probe));
    EXPECT_THAT(moved.needs_restart, IsEmpty());
    EXPECT_THAT(moved.changed_live, IsEmpty());
}

TEST(TheReloadTable, HasOneRowPerKeyAndAReasonForEveryRestart) {
    std::set<std::string_view> keys;
    for (const auto& row : reload_settings()) {
        EXPECT_TRUE(keys.insert(row.key).second) << row.key << " twice";
        EXPECT_EQ(row.applies == Applies::restart, !row.why.empty()) << row.key;
    }
    // What issue 14 names as changeable while running.
    for (const char* live : {"broker.socket_mode", "broker.socket_group", "broker.log_level",
                             "rate_limit.burst", "rate_limit.per_second", "group", "allow"}) {
        const auto& rows = reload_settings();
        const auto row = std::find_if(rows.begin(), rows.end(),
                                      [&](const ReloadSetting& r) { return r.key == live; });
        ASSERT_NE(row, rows.end()) << live;
        EXPECT_EQ(row->applies, Applies::live) << live;
    }
}

} // namespace
} // namespace nb::config
