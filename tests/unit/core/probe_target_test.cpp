// A probe's target for one worker (core/probe_target.hpp): {worker} and
// {instance} filled in, percent-encoded in a URL, one argv element in a
// command, and no name that could leave its directory in a path.
#include "core/probe_target.hpp"

#include <gtest/gtest.h>

namespace nb::core {
namespace {

ProbeSpec group_probe() {
    ProbeSpec probe;
    probe.group = "web";
    probe.kind = ProbeKind::exec;
    probe.command = {"/usr/bin/check", "--name={worker}", "{worker} and {worker}"};
    probe.address = "/run/web/{worker}.sock";
    probe.url = "http://127.0.0.1:8080/health?w={worker}";
    probe.unix_socket = "/run/web/{worker}.http";
    return probe;
}

TEST(AProbeTarget, NamesTheMemberInEveryTargetField) {
    const auto resolved = resolve_probe(group_probe(), "web-1");
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->command,
              (std::vector<std::string>{"/usr/bin/check", "--name=web-1", "web-1 and web-1"}));
    EXPECT_EQ(resolved->address, "/run/web/web-1.sock");
    EXPECT_EQ(resolved->unix_socket, "/run/web/web-1.http");
    EXPECT_EQ(resolved->url, "http://127.0.0.1:8080/health?w=web-1");
}

TEST(AProbeTarget, PercentEncodesTheNameInTheUrlOnly) {
    const auto resolved = resolve_probe(group_probe(), "api@eu:1");
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->url, "http://127.0.0.1:8080/health?w=api%40eu%3A1");
    EXPECT_EQ(resolved->command[1], "--name=api@eu:1") << "argv takes it as is: no shell";
}

TEST(AProbeTarget, RefusesANameThatCouldLeaveItsDirectory) {
    for (const char* name : {".", "..", ".hidden", "a/b", ""}) {
        EXPECT_FALSE(resolve_probe(group_probe(), name)) << name;
    }
    ProbeSpec fixed;
    fixed.kind = ProbeKind::tcp;
    fixed.address = "127.0.0.1:80";
    EXPECT_TRUE(resolve_probe(fixed, "..")) << "a target without a placeholder takes no name";
}

TEST(AProbeTarget, FillsInAUnitsTemplateInstance) {
    EXPECT_EQ(unit_instance("legacy@a-1.service"), "a-1");
    EXPECT_EQ(unit_instance("legacy.service"), "");
    ProbeSpec probe;
    probe.unit = "legacy@*.service";
    probe.kind = ProbeKind::tcp;
    probe.address = "/run/legacy/{instance}.sock";
    const auto resolved = resolve_probe(probe, "legacy@a-1.service", "a-1");
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->address, "/run/legacy/a-1.sock");
    EXPECT_FALSE(resolve_probe(probe, "legacy@.service", "")) << "no instance: nothing to probe";
}

} // namespace
} // namespace nb::core
