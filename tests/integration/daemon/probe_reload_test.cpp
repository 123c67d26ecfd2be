// Health probes across a reload and on a group's members, on a real broker
// (issue 15 A.1 and B.1): SIGHUP applies [[probe]] changes live, a worker only
// a probe stands for counts as reloaded once probes started after the signal
// pass (or is named when its group's reload_timeout passes first), and a
// group probe follows each member at its own target. The probes are real
// commands testing real files the test creates and removes.

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <signal.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

class ProbeReload : public BrokerTest {
protected:
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout = 10s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (broker_->log().find(text) != std::string::npos) {
                return true;
            }
            std::this_thread::sleep_for(20ms); // the log is a file: read again, bounded
        }
        return false;
    }

    std::optional<std::string> wait_for_status(const std::string& text,
                                               std::chrono::milliseconds timeout = 10s) {
        return upstream_.wait_for(
            [&](const std::string& datagram) {
                for (const auto& line : lines_of(datagram)) {
                    if (line.starts_with("STATUS=") && line.find(text) != std::string::npos) {
                        return true;
                    }
                }
                return false;
            },
            timeout);
    }

    BrokerProcess& start_with(const std::string& config) {
        BrokerOptions options;
        options.config = config;
        options.args = {"--status-interval", "1ms"};
        options.log_level = "debug";
        return start_broker(options);
    }

    /// An exec probe of `worker` that passes while the file `flag` exists.
    std::string file_probe(const std::string& worker, const std::string& flag) {
        return "[[probe]]\nworker = \"" + worker +
               "\"\nkind = \"exec\"\ncommand = [\"/usr/bin/test\", \"-e\", \"" + dir_.file(flag) +
               "\"]\ninterval = \"100ms\"\nfailure_threshold = 100\n";
    }

    void flag(const std::string& name, bool on) {
        if (on) {
            dir_.write(name, "");
        } else {
            std::filesystem::remove(dir_.file(name));
        }
    }
};

std::string reloading_group(const std::string& timeout) {
    return "[[group]]\nname = \"pool\"\nreload_timeout = \"" + timeout + "\"\n";
}

TEST_F(ProbeReload, SendsReadyOnlyOnceAProbeStartedAfterTheSignalPassed) {
    flag("healthy", true);
    const std::string config = reloading_group("1min") + file_probe("legacy", "healthy");
    auto& broker = start_with(config);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();

    flag("healthy", false); // the next probes fail: the worker is not back yet
    broker.signal(SIGHUP);
    ASSERT_TRUE(upstream_.wait_for_line("RELOADING=1", 5s));
    ASSERT_TRUE(wait_for_status("reloading: 0/1 workers reloaded", 5s));
    ASSERT_TRUE(wait_for_log("probe of worker legacy failed", 5s)) << broker.log();
    EXPECT_FALSE(upstream_.wait_for_line("READY=1", 500ms)) << "READY=1 before a fresh success";
    flag("healthy", true);
    const auto ready = upstream_.wait_for_line("READY=1", 5s);
    ASSERT_TRUE(ready) << broker.log();
    EXPECT_TRUE(has_line(*ready, "STATUS=1/1 workers ready")) << printable(*ready);
    EXPECT_NE(broker.log().find("worker legacy passed its probe again after the reload"),
              std::string::npos);
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(ProbeReload, CompletesAfterTheTimeoutNamingAProbedWorkerWhoseProbeKeepsFailing) {
    flag("healthy", true);
    auto& broker = start_with(reloading_group("1s") + file_probe("legacy", "healthy"));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();
    flag("healthy", false);
    const auto signalled = std::chrono::steady_clock::now();
    broker.signal(SIGHUP);
    ASSERT_TRUE(upstream_.wait_for_line("RELOADING=1", 5s));
    const auto ready = upstream_.wait_for_line("READY=1", 10s);
    ASSERT_TRUE(ready) << broker.log();
    EXPECT_GE(std::chrono::steady_clock::now() - signalled, 900ms) << "not before the timeout";
    if (ready->find("did not reload: legacy") == std::string::npos) {
        EXPECT_TRUE(wait_for_status("did not reload: legacy", 5s)) << printable(*ready);
    }
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(ProbeReload, AddsRemovesAndKeepsProbesLive) {
    flag("a", true);
    flag("b", true);
    const std::string groups = "[[group]]\nname = \"pool\"\nexpect = 2\n";
    auto& broker = start_with(groups + file_probe("kept", "a") + file_probe("old", "b"));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();

    dir_.write("broker.toml", groups + "\n\n" + file_probe("kept", "a") + file_probe("new", "b"));
    broker.signal(SIGHUP);
    ASSERT_TRUE(wait_for_log("probing worker new", 5s)) << broker.log();
    ASSERT_TRUE(wait_for_log("probe of worker old stops: the reload removed or changed it", 5s))
        << broker.log();
    ASSERT_TRUE(wait_for_log("configuration reloaded; applied: probe", 5s)) << broker.log();
    EXPECT_EQ(broker.log().find("restart needed for probe"), std::string::npos);
    const std::string log = broker.log();
    const auto first = log.find("probing worker kept");
    ASSERT_NE(first, std::string::npos);
    EXPECT_EQ(log.find("probing worker kept", first + 1), std::string::npos)
        << "the unchanged probe keeps running with its state";
    ASSERT_TRUE(wait_for_log("worker new is ready", 5s)) << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
}

TEST_F(ProbeReload, AGroupProbeFollowsEachMemberAtItsOwnTarget) {
    flag("web-1.ok", true);
    flag("web-2.ok", true);
    auto& broker = start_with(
        "[[group]]\nname = \"web\"\nexpect = 2\nmatch = [\"web-*\"]\n[[probe]]\ngroup = \"web\"\n"
        "kind = \"exec\"\ncommand = [\"/usr/bin/test\", \"-e\", \"" +
        dir_.path().string() + "/{worker}.ok\"]\ninterval = \"100ms\"\nfailure_threshold = 2\n");
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"X_WORKER=web-1\nREADY=1"}));
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"X_WORKER=web-2\nREADY=1"}));
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s)) << broker.log();
    ASSERT_TRUE(wait_for_log("probing worker web-2 of group web", 5s)) << broker.log();
    // Failures count once the probe passed (Kubernetes' startup rule).
    ASSERT_TRUE(wait_for_log("worker web-2 is ready (its probe passed", 5s)) << broker.log();

    flag("web-2.ok", false); // only web-2's probe fails
    ASSERT_TRUE(wait_for_log("worker web-2 is late: its probe failed 2 time(s)", 5s))
        << broker.log();
    ASSERT_TRUE(wait_for_status("1/2 workers ready", 5s)) << broker.log();
    EXPECT_EQ(broker.log().find("worker web-1 is late"), std::string::npos);
    flag("web-2.ok", true);
    ASSERT_TRUE(wait_for_status("2/2 workers ready", 5s)) << broker.log();

    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"X_WORKER=web-2\nSTOPPING=1"}));
    ASSERT_TRUE(wait_for_log("worker web-2 left group web: its probe stops", 5s)) << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
