// Every way a config file can be wrong, each with the exact message and the
// line:column a user is sent to.
#include "config/config_loader.hpp"

#include <gtest/gtest.h>

namespace nb::config {
namespace {

std::string error_of(std::string_view text) {
    auto result = load_config_string(text, "test.toml");
    EXPECT_FALSE(result.ok()) << "accepted:\n" << text;
    return result ? "" : result.error().message;
}

TEST(ConfigErrors, ASyntaxErrorNamesFileLineAndColumn) {
    EXPECT_TRUE(error_of("[broker]\nsocket = \"/x\n").starts_with("test.toml:2:"));
    EXPECT_TRUE(error_of("[broker\n").starts_with("test.toml:1:"));
    EXPECT_TRUE(error_of("\n\n[broker]\n[broker]\n").starts_with("test.toml:4:"));
}

TEST(ConfigErrors, AValueOfTheWrongTypeIsPointedAt) {
    EXPECT_EQ(error_of("[broker]\nmax_workers = \"many\"\n"),
              "test.toml:2:15: broker.max_workers: expected an integer, got a string");
    EXPECT_EQ(error_of("[broker]\nwatchdog_trigger = \"yes\"\n"),
              "test.toml:2:20: broker.watchdog_trigger: expected true or false, got a string");
    EXPECT_EQ(error_of("[broker]\nsocket = 5\n"),
              "test.toml:2:10: broker.socket: expected a string, got an integer");
    EXPECT_EQ(error_of("[broker]\nstatus_interval = 0.5\n"),
              "test.toml:2:19: broker.status_interval: expected a time span like \"500ms\" or "
              "\"1min 30s\", got a float");
    EXPECT_EQ(error_of("[[group]]\nname = \"a\"\nmatch = [\"a\", 3]\n"),
              "test.toml:3:15: group.match: expected strings, got an integer");
    EXPECT_EQ(error_of("[[group]]\nname = \"a\"\nmatch = \"a*\"\n"),
              "test.toml:3:9: group.match: expected an array of strings, got a string");
    EXPECT_EQ(error_of("broker = 3\n"), "test.toml:1:10: broker: expected a table: write [broker]");
    EXPECT_EQ(error_of("[group]\nname = \"a\"\n"),
              "test.toml:1:1: group: expected an array of tables: write [[group]]");
}

TEST(ConfigErrors, EveryTableRefusesUnknownKeys) {
    EXPECT_EQ(error_of("[brokr]\n"),
              "test.toml:1:2: unknown key 'brokr' at the top level (known: broker, dbus, "
              "rate_limit, spawn, group, allow, probe)");
    EXPECT_EQ(error_of("[broker]\nmax_wokers = 3\n"),
              "test.toml:2:1: unknown key 'max_wokers' in [broker] (known: socket, socket_mode, "
              "socket_group, receive_buffer, log_level, max_workers, max_status_length, "
              "status_interval, status_format, watchdog_trigger, extend_timeout, "
              "max_extend_timeout, metrics_file)");
    EXPECT_EQ(error_of("[dbus]\nbus_name = \"a.b\"\n"),
              "test.toml:2:1: unknown key 'bus_name' in [dbus] (known: bus, name)");
    EXPECT_EQ(error_of("[rate_limit]\nrate = 1\n"),
              "test.toml:2:1: unknown key 'rate' in [rate_limit] (known: burst, per_second)");
    EXPECT_EQ(error_of("[spawn]\ncmd = [\"x\"]\n"),
              "test.toml:2:1: unknown key 'cmd' in [spawn] (known: command, workers)");
    EXPECT_EQ(
        error_of("[[group]]\nname = \"a\"\nmin_reddy = 1\n"),
        "test.toml:3:1: unknown key 'min_reddy' in [group] (known: name, expect, required, "
        "min_ready, match, start_timeout, watchdog, worker_watchdog_min, worker_watchdog_max, "
        "reload_timeout, reload_outcome)");
    EXPECT_EQ(error_of("[[allow]]\nusers = \"root\"\n"),
              "test.toml:2:1: unknown key 'users' in [allow] (known: uid, user, gid, group, unit, "
              "names)");
    EXPECT_EQ(error_of("socket = \"/x\"\n"),
              "test.toml:1:1: unknown key 'socket' at the top level (known: broker, dbus, "
              "rate_limit, spawn, group, allow, probe)");
}

TEST(ConfigErrors, CountsMustBeNonNegativeAndInRange) {
    EXPECT_EQ(error_of("[rate_limit]\nburst = -5\n"),
              "test.toml:2:9: rate_limit.burst: -5 is negative");
    EXPECT_EQ(error_of("[rate_limit]\nper_second = 0\n"),
              "test.toml:2:14: rate_limit.per_second: 0 is out of range (1..1000000)");
    EXPECT_EQ(error_of("[broker]\nmax_workers = 0\n"),
              "test.toml:2:15: broker.max_workers: 0 is out of range (1..1000000)");
    EXPECT_EQ(error_of("[[group]]\nname = \"a\"\nexpect = -1\n"),
              "test.toml:3:10: group.expect: -1 is negative");
    EXPECT_EQ(error_of("[broker]\nreceive_buffer = 12\n"),
              "test.toml:2:18: broker.receive_buffer: 12 is out of range (4096..2147483647)");
}

TEST(ConfigErrors, AnUnknownReloadOutcomeIsRefused) {
    EXPECT_EQ(error_of("[[group]]\nname = \"a\"\nreload_outcome = \"maybe\"\n"),
              "test.toml:3:18: group.reload_outcome: expected \"ready\" or \"degraded\", not "
              "\"maybe\"");
}

TEST(ConfigErrors, AQuorumAboveTheGroupSizeIsRefused) {
    EXPECT_EQ(error_of("[[group]]\nname = \"web\"\nexpect = 4\nmin_ready = 5\n"),
              "test.toml:4:13: group.min_ready: min_ready (5) is more than expect (4)");
    EXPECT_EQ(error_of("[[group]]\nname = \"web\"\nmin_ready = 0\n"),
              "test.toml:3:13: group.min_ready: 0 is out of range (1..1000000)");
}

TEST(ConfigErrors, GroupsNeedAUniqueValidName) {
    EXPECT_EQ(error_of("[[group]]\nexpect = 2\n"), "test.toml:1:1: group: missing key 'name'");
    EXPECT_EQ(error_of("[[group]]\nname = \"web\"\n\n[[group]]\nname = \"web\"\n"),
              "test.toml:5:8: group.name: group 'web' is already defined at line 2");
    EXPECT_EQ(error_of("[[group]]\nname = \"web workers\"\n"),
              "test.toml:2:8: group.name: group name 'web workers' has character ' ' (use "
              "letters, digits and _.@:-)");
}

TEST(ConfigErrors, GroupsMayNotExpectMoreThanMaxWorkers) {
    EXPECT_EQ(error_of("[broker]\nmax_workers = 5\n[[group]]\nname = \"a\"\nexpect = 3\n"
                       "[[group]]\nname = \"b\"\nexpect = 3\n"),
              "test.toml:8:10: group.expect: the groups expect 6 workers, more than "
              "broker.max_workers (5)");
}

TEST(ConfigErrors, BadGlobsArePointedAtElementByElement) {
    EXPECT_EQ(error_of("[[group]]\nname = \"a\"\nmatch = [\"ok-*\", \"web-[0-9\"]\n"),
              "test.toml:3:18: match: pattern 'web-[0-9' has a '[' without ']'");
    EXPECT_EQ(error_of("[[group]]\nname = \"a\"\nmatch = []\n"),
              "test.toml:3:9: group.match: must not be empty");
    EXPECT_EQ(error_of("[[allow]]\nnames = [\"\"]\n"),
              "test.toml:2:10: names: a pattern must not be empty");
    EXPECT_EQ(error_of("[[allow]]\nunit = \"web@[.service\"\n"),
              "test.toml:2:8: allow.unit: pattern 'web@[.service' has a '[' without ']'");
}

TEST(ConfigErrors, UnknownUsersAndGroupsAreRefused) {
    EXPECT_EQ(error_of("[[allow]]\nuser = \"no-such-user-xyz\"\n"),
              "test.toml:2:8: allow.user: no such user 'no-such-user-xyz'");
    EXPECT_EQ(error_of("[[allow]]\ngroup = \"no-such-group-xyz\"\n"),
              "test.toml:2:9: allow.group: no such group 'no-such-group-xyz'");
    EXPECT_EQ(error_of("[broker]\nsocket_group = \"no-such-group-xyz\"\n"),
              "test.toml:2:16: broker.socket_group: no such group 'no-such-group-xyz'");
    EXPECT_EQ(error_of("[[allow]]\nuid = -1\n"), "test.toml:2:7: allow.uid: -1 is negative");
    EXPECT_EQ(error_of("[[allow]]\nuid = 0\nuser = \"root\"\n"),
              "test.toml:3:8: allow.user: set uid or user, not both");
    EXPECT_EQ(error_of("[[allow]]\ngid = 0\ngroup = \"root\"\n"),
              "test.toml:3:9: allow.group: set gid or group, not both");
}

TEST(ConfigErrors, ModesMustBeOctal) {
    EXPECT_EQ(error_of("[broker]\nsocket_mode = \"0999\"\n"),
              "test.toml:2:15: broker.socket_mode: '0999' is not an octal mode (like \"0660\")");
    EXPECT_EQ(error_of("[broker]\nsocket_mode = 660\n"),
              "test.toml:2:15: broker.socket_mode: write a mode as a string (\"0660\") or an octal "
              "integer (0o660); 660 is decimal");
    EXPECT_EQ(error_of("[broker]\nsocket_mode = 0o17777\n"),
              "test.toml:2:15: broker.socket_mode: a mode must be between 0 and 0o7777");
}

TEST(ConfigErrors, TimeSpansMustParse) {
    EXPECT_EQ(error_of("[[group]]\nname = \"a\"\nwatchdog = \"5 parsecs\"\n"),
              "test.toml:3:12: group.watchdog: '5 parsecs' is not a time span: unknown unit "
              "'parsecs' (use us, ms, s, min, h, d or w)");
    EXPECT_EQ(error_of("[broker]\nextend_timeout = -3\n"),
              "test.toml:2:18: broker.extend_timeout: -3 is negative");
    EXPECT_EQ(error_of("[broker]\nstatus_interval = \"500us\"\n"),
              "test.toml:2:19: broker.status_interval: must be 0 or at least 1ms");
}

TEST(ConfigErrors, StringsWithAMeaningAreChecked) {
    EXPECT_EQ(error_of("[broker]\nlog_level = \"loud\"\n"),
              "test.toml:2:13: broker.log_level: 'loud' is not a log level (err, warning, "
              "notice, info or debug)");
    EXPECT_EQ(error_of("[broker]\nsocket = \"notify.sock\"\n"),
              "test.toml:2:10: broker.socket: 'notify.sock' is not an absolute path or @abstract "
              "name (workers get it as NOTIFY_SOCKET, which must be absolute)");
    EXPECT_EQ(error_of("[broker]\nstatus_format = \"{ready} of {total}\"\n"),
              "test.toml:2:17: broker.status_format: unknown placeholder {total} (use {ready} "
              "{expected} {state} {details})");
    EXPECT_EQ(error_of("[broker]\nstatus_format = \"a\\nMAINPID=1\"\n"),
              "test.toml:2:17: broker.status_format: a status format must be one line");
    EXPECT_EQ(error_of("[dbus]\nbus = \"sytem\"\n"),
              "test.toml:2:7: dbus.bus: 'sytem' is not a bus (system, session, none or an "
              "address like \"unix:path=/run/dbus/system_bus_socket\")");
    EXPECT_EQ(error_of("[dbus]\nname = \"broker\"\n"),
              "test.toml:2:8: dbus.name: 'broker' is not a D-Bus name: it needs at least two "
              "elements (\"org.example.Name\")");
}

TEST(ConfigErrors, SpawnNeedsACommand) {
    EXPECT_EQ(error_of("[spawn]\nworkers = 2\n"),
              "test.toml:2:11: spawn.workers: needs a command to run");
    EXPECT_EQ(error_of("[spawn]\ncommand = []\n"),
              "test.toml:2:11: spawn.command: must not be empty");
    EXPECT_EQ(error_of("[spawn]\ncommand = [\"\"]\n"),
              "test.toml:2:11: spawn.command: the program name must not be empty");
}

} // namespace
} // namespace nb::config
