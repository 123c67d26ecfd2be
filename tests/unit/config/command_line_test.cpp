#include "config/command_line.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <unistd.h>

namespace nb::config {
namespace {

using namespace std::chrono_literals;
using Args = std::vector<std::string>;

daemon::DaemonSettings parse(const Args& args) {
    auto result = parse_command_line(args);
    EXPECT_TRUE(result.ok()) << (result ? "" : result.error().message);
    EXPECT_FALSE(result && result->exit_text);
    if (!result) {
        return {};
    }
    return std::move(result->settings);
}

std::string error_of(const Args& args) {
    auto result = parse_command_line(args);
    EXPECT_FALSE(result.ok());
    return result ? "" : result.error().message;
}

// A config file on disk for the duration of a test.
class TempConfig {
public:
    explicit TempConfig(std::string_view text) {
        const int fd = mkstemp(path_.data());
        EXPECT_GE(fd, 0);
        close(fd);
        std::ofstream(path_) << text;
    }
    ~TempConfig() { std::remove(path_.c_str()); }
    TempConfig(const TempConfig&) = delete;
    TempConfig& operator=(const TempConfig&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_ = "/tmp/nb-cmdline-test-XXXXXX";
};

TEST(CommandLine, NoArgumentsGiveTheDefaults) {
    const auto settings = parse({});
    EXPECT_EQ(settings.socket.path, daemon::SocketSettings{}.path);
    EXPECT_TRUE(settings.spawn.command.empty());
    EXPECT_FALSE(settings.check_config_only);
    EXPECT_EQ(settings.broker.groups.size(), 1U);
}

TEST(CommandLine, EveryOptionSetsItsSetting) {
    const auto settings =
        parse({"--socket", "/tmp/nb.sock", "--socket-mode", "0600", "--socket-group", "root",
               "--expect", "4", "--log-level", "debug", "--bus", "session", "--bus-name",
               "org.example.B1", "--status-interval", "1s", "--check-config"});
    EXPECT_EQ(settings.socket.path, "/tmp/nb.sock");
    EXPECT_EQ(settings.socket.mode, 0600U);
    EXPECT_EQ(settings.socket.group, 0U);
    EXPECT_EQ(settings.broker.groups.at(0).expected, 4U);
    EXPECT_EQ(settings.log_level, daemon::LogLevel::debug);
    EXPECT_EQ(settings.bus.bus, "session");
    EXPECT_EQ(settings.bus.name, "org.example.B1");
    EXPECT_EQ(settings.broker.status_interval, 1s);
    EXPECT_TRUE(settings.check_config_only);
}

TEST(CommandLine, ValuesMayFollowAnEqualsSign) {
    const auto settings = parse({"--socket=/tmp/a.sock", "--expect=2", "--status-interval=1min"});
    EXPECT_EQ(settings.socket.path, "/tmp/a.sock");
    EXPECT_EQ(settings.broker.groups.at(0).expected, 2U);
    EXPECT_EQ(settings.broker.status_interval, 1min);
}

TEST(CommandLine, EverythingAfterDoubleDashIsTheCommand) {
    const auto settings = parse({"--workers", "3", "--", "worker", "--socket", "x", "--"});
    EXPECT_EQ(settings.spawn.command, (Args{"worker", "--socket", "x", "--"}));
    EXPECT_EQ(settings.spawn.copies, 3U);
    EXPECT_EQ(settings.socket.path, daemon::SocketSettings{}.path);
}

TEST(CommandLine, SpawningNCopiesWithoutAConfigExpectsNWorkers) {
    EXPECT_EQ(parse({"--workers", "3", "--", "w"}).broker.groups.at(0).expected, 3U);
    EXPECT_EQ(parse({"--workers", "3", "--expect", "2", "--", "w"}).broker.groups.at(0).expected,
              2U);
    EXPECT_EQ(parse({"--", "w"}).spawn.copies, 1U);
}

TEST(CommandLine, OptionsOverrideTheConfigFileInAnyOrder) {
    TempConfig file(R"(
[broker]
socket = "/run/from-file.sock"
log_level = "err"
status_interval = "2s"
[dbus]
bus = "none"
[[group]]
name = "web"
expect = 4
min_ready = 2
)");
    const auto settings =
        parse({"--socket", "/tmp/cli.sock", "--config", file.path(), "--expect", "6"});
    EXPECT_EQ(settings.socket.path, "/tmp/cli.sock");
    EXPECT_EQ(settings.log_level, daemon::LogLevel::err) << "kept from the file";
    EXPECT_EQ(settings.broker.status_interval, 2s) << "kept from the file";
    EXPECT_EQ(settings.bus.bus, "none");
    EXPECT_EQ(settings.broker.groups.at(0).name, "web");
    EXPECT_EQ(settings.broker.groups.at(0).expected, 6U);
    EXPECT_EQ(settings.config_path, file.path());
}

TEST(CommandLine, TheCommandOverridesTheFilesSpawnTable) {
    TempConfig file("[spawn]\ncommand = [\"from-file\"]\nworkers = 2\n");
    const auto from_file = parse({"--config", file.path()});
    EXPECT_EQ(from_file.spawn.command, Args{"from-file"});
    EXPECT_EQ(from_file.spawn.copies, 2U);
    const auto overridden = parse({"--config", file.path(), "--workers", "5", "--", "cli"});
    EXPECT_EQ(overridden.spawn.command, Args{"cli"});
    EXPECT_EQ(overridden.spawn.copies, 5U);
    EXPECT_EQ(overridden.broker.groups.at(0).expected, 1U) << "a config file keeps its groups";
}

TEST(CommandLine, ExpectCannotChooseAmongSeveralGroups) {
    TempConfig file("[[group]]\nname = \"a\"\n[[group]]\nname = \"b\"\n");
    EXPECT_EQ(error_of({"--config", file.path(), "--expect", "3"}),
              "--expect: the config file defines 2 groups; set expect in each [[group]]");
}

TEST(CommandLine, ExpectCannotGoBelowTheFilesQuorum) {
    TempConfig file("[[group]]\nname = \"web\"\nexpect = 4\nmin_ready = 3\n");
    EXPECT_EQ(error_of({"--config", file.path(), "--expect", "2"}),
              "--expect: 2 is less than min_ready (3) of group 'web'");
}

TEST(CommandLine, ConfigFileErrorsKeepTheirLocation) {
    TempConfig file("[broker]\nmax_workers = -1\n");
    EXPECT_EQ(error_of({"--config", file.path()}),
              file.path() + ":2:15: broker.max_workers: -1 is negative");
    EXPECT_EQ(error_of({"--config", "/nonexistent.toml"}),
              "/nonexistent.toml: cannot read: No such file or directory");
}

TEST(CommandLine, ErrorsNameTheOptionAndWhy) {
    EXPECT_EQ(error_of({"--expect", "x"}), "--expect: 'x' is not a number");
    EXPECT_EQ(error_of({"--expect", "-2"}), "--expect: '-2' is negative");
    EXPECT_EQ(error_of({"--expect", "0"}), "--expect: must be at least 1");
    EXPECT_EQ(error_of({"--expect", "5000"}), "--expect: is more than max_workers (4096)");
    EXPECT_EQ(error_of({"--expect"}), "--expect: needs a value");
    EXPECT_EQ(error_of({"--socket", "rel.sock"}),
              "--socket: 'rel.sock' is not an absolute path or @abstract name (workers get it "
              "as NOTIFY_SOCKET, which must be absolute)");
    EXPECT_EQ(error_of({"--socket-mode", "rw"}),
              "--socket-mode: 'rw' is not an octal mode (like \"0660\")");
    EXPECT_EQ(error_of({"--socket-group", "no-such-group-xyz"}),
              "--socket-group: no such group 'no-such-group-xyz'");
    EXPECT_EQ(error_of({"--log-level", "loud"}),
              "--log-level: 'loud' is not a log level (err, warning, notice, info or debug)");
    EXPECT_EQ(error_of({"--bus", "sytem"}),
              "--bus: 'sytem' is not a bus (system, session, none or an address like "
              "\"unix:path=/run/dbus/system_bus_socket\")");
    EXPECT_EQ(error_of({"--bus-name", "x"}),
              "--bus-name: 'x' is not a D-Bus name: it needs at least two elements "
              "(\"org.example.Name\")");
    EXPECT_EQ(error_of({"--status-interval", "soon"}),
              "--status-interval: 'soon' is not a time span: expected a number");
    EXPECT_EQ(error_of({"--workers", "2"}), "--workers: needs a command to run (after --)");
    EXPECT_EQ(error_of({"--workers", "0", "--", "w"}), "--workers: must be between 1 and 4096");
    EXPECT_EQ(error_of({"--"}), "--: needs a command to run after it");
    EXPECT_EQ(error_of({"--check-config=yes"}), "--check-config: takes no value");
    EXPECT_EQ(error_of({"--frobnicate"}), "unknown option '--frobnicate' (see --help)");
    EXPECT_EQ(error_of({"worker"}),
              "unexpected argument 'worker' (put the command to spawn after --)");
    EXPECT_EQ(error_of({"--config="}), "--config: needs a file name");
}

TEST(CommandLine, HelpAndVersionAskToPrintAndExit) {
    auto help = parse_command_line(Args{"--expect", "2", "--help"});
    ASSERT_TRUE(help.ok());
    ASSERT_TRUE(help->exit_text);
    EXPECT_NE(help->exit_text->find("--check-config"), std::string::npos);
    auto short_help = parse_command_line(Args{"-h"});
    ASSERT_TRUE(short_help.ok());
    EXPECT_EQ(short_help->exit_text, help->exit_text);
    auto version = parse_command_line(Args{"--version"});
    ASSERT_TRUE(version.ok());
    ASSERT_TRUE(version->exit_text);
    EXPECT_TRUE(version->exit_text->starts_with("notify-brokerd "));
}

TEST(CommandLine, ArgcArgvSkipsTheProgramName) {
    const char* argv[] = {"notify-brokerd", "--expect", "7", nullptr};
    auto result = parse_command_line(3, argv);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->settings.broker.groups.at(0).expected, 7U);
}

} // namespace
} // namespace nb::config
