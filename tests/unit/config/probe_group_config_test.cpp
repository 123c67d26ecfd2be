// [[probe]] group = "...": one probe per member of a group (issue 15, A.1),
// what it reads and how it is refused, with file:line:col.
#include "config/config_loader.hpp"
#include "config/config_writer.hpp"

#include <gtest/gtest.h>

namespace nb::config {
namespace {

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

const std::string web = "[[group]]\nname = \"web\"\nexpect = 3\nmatch = [\"web-*\"]\n";

TEST(AGroupProbeInTheConfig, ReadsItsGroupAndAMemberPlaceholderInEachKind) {
    const auto settings =
        load(web + "[[probe]]\ngroup = \"web\"\nkind = \"http\"\n"
                   "url = \"http://127.0.0.1:8080/health/{worker}\"\n"
                   "[[probe]]\ngroup = \"web\"\nkind = \"tcp\"\naddress = \"/run/{worker}.sock\"\n"
                   "[[probe]]\ngroup = \"web\"\nkind = \"exec\"\n"
                   "command = [\"/usr/bin/check\", \"{worker}\"]\n");
    ASSERT_EQ(settings.probes.size(), 3U);
    EXPECT_EQ(settings.probes[0].group, "web");
    EXPECT_TRUE(settings.probes[0].worker.empty());
    EXPECT_EQ(settings.probes[0].url, "http://127.0.0.1:8080/health/{worker}");
    EXPECT_EQ(settings.probes[1].address, "/run/{worker}.sock");
}

TEST(AGroupProbeInTheConfig, OfAGroupOfOneMayProbeOneFixedTarget) {
    const auto settings = load("[[group]]\nname = \"db\"\n[[probe]]\ngroup = \"db\"\n"
                               "kind = \"tcp\"\naddress = \"127.0.0.1:5432\"\n");
    ASSERT_EQ(settings.probes.size(), 1U);
}

TEST(AGroupProbeInTheConfig, IsRefusedWithItsPositionWhenWrong) {
    EXPECT_EQ(error_of(web + "[[probe]]\ngroup = \"api\"\nkind = \"tcp\"\n"
                             "address = \"/run/{worker}.sock\"\n"),
              "test.toml:6:9: probe.group: no [[group]] is named 'api'");
    EXPECT_EQ(error_of(web + "[[probe]]\ngroup = \"web\"\nworker = \"web-1\"\nkind = \"tcp\"\n"
                             "address = \"/run/{worker}.sock\"\n"),
              "test.toml:6:9: probe.group: set one of worker, unit or group");
    EXPECT_EQ(error_of(web + "[[probe]]\ngroup = \"web\"\nunit = \"w@*.service\"\nkind = \"tcp\"\n"
                             "address = \"/run/{worker}.sock\"\n"),
              "test.toml:6:9: probe.group: set one of worker, unit or group");
    EXPECT_EQ(error_of(web + "[[probe]]\ngroup = \"web\"\nkind = \"tcp\"\n"
                             "address = \"127.0.0.1:80\"\n"),
              "test.toml:8:11: probe.address: a probe of group 'web' (expect = 3) must name its "
              "member in its target with {worker}: without it every member would probe the same "
              "target");
    EXPECT_EQ(error_of(web + "[[probe]]\ngroup = \"web\"\nkind = \"exec\"\n"
                             "command = [\"/opt/{worker}/check\"]\n"),
              "test.toml:8:11: probe.command: the program itself may not come from a worker's "
              "name");
    EXPECT_EQ(error_of(web + "[[probe]]\ngroup = \"web\"\nkind = \"http\"\n"
                             "url = \"http://127.0.0.1:80/\"\nunix_socket = \"/run/w.sock\"\n"),
              "test.toml:9:15: probe.unix_socket: a probe of group 'web' (expect = 3) must name "
              "its member in its target with {worker}: without it every member would probe the "
              "same target");
    EXPECT_EQ(error_of(web + "[[probe]]\nworker = \"web-1\"\nkind = \"tcp\"\n"
                             "address = \"/run/{instance}.sock\"\n"),
              "test.toml:8:11: probe.address: {instance} is a unit probe's template instance: "
              "set 'unit'");
}

TEST(AGroupProbeInTheConfig, MayNotLetAMemberNameMoveTheUrlsHost) {
    EXPECT_EQ(error_of(web + "[[probe]]\ngroup = \"web\"\nkind = \"http\"\n"
                             "url = \"http://{worker}.127.0.0.1/\"\nallow_remote = true\n"),
              "test.toml:8:7: probe.url: a placeholder may stand in the URL's path or query, not "
              "its host");
}

TEST(AGroupProbeInTheConfig, SurvivesTheRoundTripThroughCheckConfig) {
    const auto settings = load(web + "[[probe]]\ngroup = \"web\"\nkind = \"tcp\"\n"
                                     "address = \"/run/{worker}.sock\"\n");
    const auto again = load(render_config(settings));
    ASSERT_EQ(again.probes.size(), 1U);
    EXPECT_EQ(again.probes[0].group, "web");
    EXPECT_EQ(again.probes[0].address, "/run/{worker}.sock");
}

} // namespace
} // namespace nb::config
