// [[probe]] in the config file (issue 15, A.1 and A.3): what it reads, and
// every way it is refused, with file:line:col.
#include "config/config_loader.hpp"
#include "config/config_writer.hpp"

#include <gtest/gtest.h>

namespace nb::config {
namespace {

using namespace std::chrono_literals;

std::string error_of(std::string_view text) {
    auto result = load_config_string(text, "test.toml");
    EXPECT_FALSE(result.ok()) << "accepted:\n" << text;
    return result ? "" : result.error().message;
}

daemon::DaemonSettings load(std::string_view text) {
    auto result = load_config_string(text, "test.toml");
    EXPECT_TRUE(result.ok()) << (result ? "" : result.error().message);
    return result ? *result : daemon::DaemonSettings{};
}

TEST(AProbeInTheConfig, ReadsAnHttpProbeWithEveryTimingKey) {
    const auto settings = load("[[probe]]\n"
                               "worker = \"legacy\"\n"
                               "kind = \"http\"\n"
                               "url = \"http://127.0.0.1:8080/health\"\n"
                               "body = \"ok\"\n"
                               "interval = \"2s\"\n"
                               "timeout = \"500ms\"\n"
                               "initial_delay = \"1s\"\n"
                               "success_threshold = 2\n"
                               "failure_threshold = 4\n"
                               "start_timeout = \"30s\"\n");
    ASSERT_EQ(settings.probes.size(), 1U);
    const core::ProbeSpec& probe = settings.probes[0];
    EXPECT_EQ(probe.worker, "legacy");
    EXPECT_EQ(probe.kind, core::ProbeKind::http);
    EXPECT_EQ(probe.url, "http://127.0.0.1:8080/health");
    EXPECT_EQ(probe.body_contains, "ok");
    EXPECT_EQ(probe.timing.interval, 2s);
    EXPECT_EQ(probe.timing.timeout, 500ms);
    EXPECT_EQ(probe.timing.initial_delay, 1s);
    EXPECT_EQ(probe.timing.success_threshold, 2U);
    EXPECT_EQ(probe.timing.failure_threshold, 4U);
    EXPECT_EQ(probe.timing.start_timeout, 30s);
    EXPECT_EQ(probe.origin, "test.toml:1");
}

TEST(AProbeInTheConfig, ReadsExecTcpAndUnitProbes) {
    const auto settings =
        load("[[probe]]\nworker = \"a\"\nkind = \"exec\"\n"
             "command = [\"/bin/true\", \"x\"]\n"
             "[[probe]]\nworker = \"b\"\nkind = \"tcp\"\naddress = \"[::1]:5432\"\n"
             "[[probe]]\nunit = \"legacy@*.service\"\nkind = \"tcp\"\n"
             "address = \"/run/legacy.sock\"\n"
             "[[probe]]\nworker = \"c\"\nkind = \"http\"\nurl = \"http://x/h\"\n"
             "unix_socket = \"/run/c.sock\"\n");
    ASSERT_EQ(settings.probes.size(), 4U);
    EXPECT_EQ(settings.probes[0].command, (std::vector<std::string>{"/bin/true", "x"}));
    EXPECT_EQ(settings.probes[1].address, "[::1]:5432");
    EXPECT_EQ(settings.probes[2].unit, "legacy@*.service");
    EXPECT_EQ(settings.probes[3].unix_socket, "/run/c.sock");
}

TEST(AProbeInTheConfig, IsRefusedWithItsPositionWhenWrong) {
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"ping\"\n"),
              "test.toml:3:8: probe.kind: unknown probe kind 'ping': exec, tcp or http");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"http\"\nurl = \"ftp://127.0.0.1/\"\n"),
              "test.toml:4:7: probe.url: only http:// URLs are probed");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"http\"\nurl = \"http://[::1/\"\n")
                  .substr(0, 46),
              "test.toml:4:7: probe.url: 'http://[::1/' is no");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"127.0.0.1:1\"\n"
                       "interval = \"0\"\n"),
              "test.toml:5:12: probe.interval: must be more than 0");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"127.0.0.1:0\"\n"),
              "test.toml:4:11: probe.address: port '0' is not 1..65535");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"db:5432\"\n"),
              "test.toml:4:11: probe.address: host 'db' must be an IP address (no name lookups)");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"exec\"\ncommand = [\"true\"]\n"),
              "test.toml:4:11: probe.command: the program must be an absolute path");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"exec\"\n"),
              "test.toml:1:1: probe: kind exec needs 'command'");
    EXPECT_EQ(error_of("[[probe]]\nkind = \"exec\"\n"),
              "test.toml:1:1: probe: set 'worker' (a name), 'unit' (a unit glob) or 'group' (its "
              "members)");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"127.0.0.1:1\"\n"
                       "url = \"http://127.0.0.1/\"\n"),
              "test.toml:5:7: probe.url: does not apply to a probe of kind tcp");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"127.0.0.1:1\"\n"
                       "failure_threshold = 0\n"),
              "test.toml:5:21: probe.failure_threshold: 0 is out of range (1..1000)");
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"127.0.0.1:1\"\n"
                       "intervall = \"1s\"\n")
                  .substr(0, 15),
              "test.toml:5:1: ");
    EXPECT_EQ(
        error_of("[[group]]\nname = \"web\"\nmatch = [\"web-*\"]\n"
                 "[[probe]]\nworker = \"legacy\"\nkind = \"tcp\"\naddress = \"127.0.0.1:1\"\n"),
        "test.toml:5:10: probe.worker: no group's match takes 'legacy'");
}

TEST(AProbeInTheConfig, ReachesOnlyLoopbackUnlessAllowRemoteSaysSo) {
    EXPECT_EQ(error_of("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"10.0.0.1:80\"\n"),
              "test.toml:4:11: probe.address: '10.0.0.1' is not a loopback address (set "
              "allow_remote = true to probe other hosts)");
    EXPECT_EQ(
        error_of("[[probe]]\nworker = \"a\"\nkind = \"http\"\nurl = \"http://example.org/\"\n"),
        "test.toml:4:7: probe.url: 'example.org' is not a loopback address (set "
        "allow_remote = true to probe other hosts, or unix_socket)");
    EXPECT_EQ(load("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"10.0.0.1:80\"\n"
                   "allow_remote = true\n")
                  .probes.size(),
              1U);
    EXPECT_EQ(load("[[probe]]\nworker = \"a\"\nkind = \"http\"\n"
                   "url = \"http://localhost:8080/\"\n")
                  .probes.size(),
              1U);
    EXPECT_EQ(load("[[probe]]\nworker = \"a\"\nkind = \"tcp\"\naddress = \"127.3.2.1:80\"\n")
                  .probes.size(),
              1U);
}

TEST(AProbeInTheConfig, SurvivesTheRoundTripThroughCheckConfig) {
    const auto settings =
        load("[[probe]]\nworker = \"a\"\nkind = \"exec\"\n"
             "command = [\"/bin/true\", \"x\"]\ninterval = \"2s\"\n"
             "[[probe]]\nunit = \"l@*.service\"\nkind = \"tcp\"\n"
             "address = \"10.0.0.1:80\"\nallow_remote = true\n"
             "[[probe]]\nworker = \"c\"\nkind = \"http\"\nurl = \"http://x/h\"\n"
             "unix_socket = \"/run/c.sock\"\nbody = \"ok\"\nsuccess_threshold = 2\n"
             "failure_threshold = 5\nstart_timeout = \"1min\"\ninitial_delay = \"3s\"\n"
             "timeout = \"250ms\"\n");
    const std::string text = render_config(settings);
    const auto again = load(text);
    ASSERT_EQ(again.probes.size(), 3U) << text;
    for (std::size_t i = 0; i < 3; ++i) {
        const core::ProbeSpec& a = settings.probes[i];
        const core::ProbeSpec& b = again.probes[i];
        EXPECT_EQ(a.worker, b.worker);
        EXPECT_EQ(a.unit, b.unit);
        EXPECT_EQ(a.kind, b.kind);
        EXPECT_EQ(a.command, b.command);
        EXPECT_EQ(a.address, b.address);
        EXPECT_EQ(a.url, b.url);
        EXPECT_EQ(a.unix_socket, b.unix_socket);
        EXPECT_EQ(a.body_contains, b.body_contains);
        EXPECT_EQ(a.timing.interval, b.timing.interval);
        EXPECT_EQ(a.timing.timeout, b.timing.timeout);
        EXPECT_EQ(a.timing.initial_delay, b.timing.initial_delay);
        EXPECT_EQ(a.timing.success_threshold, b.timing.success_threshold);
        EXPECT_EQ(a.timing.failure_threshold, b.timing.failure_threshold);
        EXPECT_EQ(a.timing.start_timeout, b.timing.start_timeout);
    }
}

} // namespace
} // namespace nb::config
