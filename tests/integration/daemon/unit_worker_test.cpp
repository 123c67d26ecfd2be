// A worker identified by its unit that reports through a short-lived command
// (a shell script's `notify-broker --ready; exec sleep infinity`) counts as
// long as its unit's cgroup has a process, not as long as the sender lives.
// A real notify-brokerd, a real cgroup2 sub-cgroup named like a unit (root only).

#include "support/broker_test.hpp"

#include <nb/client/notifier.hpp>
#include <nb/test/child_process.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

std::string cgroup2_root() {
    std::ifstream mounts("/proc/self/mounts");
    for (std::string device, path, type, rest; mounts >> device >> path >> type;) {
        std::getline(mounts, rest);
        if (type == "cgroup2") {
            return path;
        }
    }
    return {};
}

/// "<cgroup2>/nb-unit-PID.slice/script-x.service", removed at the end. At the
/// root, under a slice: below the test's own unit (if it runs in one) a cgroup
/// belongs to that unit, as systemd reads paths (unit_name.hpp).
class UnitCgroup {
public:
    UnitCgroup()
        : parent_(cgroup2_root() + "/nb-unit-" + std::to_string(::getpid()) + ".slice")
        , path_(parent_ + "/script-x.service") {}
    ~UnitCgroup() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
        std::filesystem::remove(parent_, ec);
    }
    bool create() {
        std::error_code ec;
        return ::geteuid() == 0 && !cgroup2_root().empty() &&
               std::filesystem::create_directories(path_, ec) && !ec;
    }
    /// Moves the calling process into the unit's cgroup.
    bool enter() const {
        std::ofstream procs(path_ + "/cgroup.procs");
        procs << ::getpid() << std::flush;
        return static_cast<bool>(procs);
    }

private:
    std::string parent_;
    std::string path_;
};

using UnitWorker = BrokerTest;

TEST_F(UnitWorker, ReportingThroughAShortLivedCommandCountsWhileItsUnitHasAProcess) {
    UnitCgroup unit;
    if (!unit.create()) {
        GTEST_SKIP() << "needs root and a writable cgroup2 hierarchy";
    }
    BrokerOptions options;
    options.args = {"--expect", "1"};
    options.log_level = "debug";
    auto& broker = start_broker(options);

    // The unit's long-lived process (the script's `exec sleep infinity`).
    SpawnOptions holder_options;
    holder_options.stdin_pipe = true;
    auto holder = ChildProcess::fork(
        [&] {
            if (!unit.enter()) {
                return 3;
            }
            char in = 0;
            while (::read(STDIN_FILENO, &in, 1) > 0) {
            }
            return 0;
        },
        holder_options);
    // The short-lived reporter, in the same unit: READY=1, a barrier, exit.
    auto reporter = ChildProcess::fork([&] {
        if (!unit.enter()) {
            return 3;
        }
        client::Notifier notifier(broker.socket_path());
        return notifier.notify("READY=1\nSTATUS=script up").sent() && notifier.barrier(5s).sent()
                   ? 0
                   : 1;
    });
    ASSERT_EQ(reporter.wait_exit_code(10s), 0);
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));

    // The reporter is gone; its unit is not: no "gone" status follows.
    EXPECT_FALSE(upstream_.wait_for(
        [](const std::string& d) { return d.find("gone") != std::string::npos; }, 500ms));
    EXPECT_NE(broker.log().find("following unit script-x.service"), std::string::npos)
        << broker.log();

    holder.close_stdin();
    ASSERT_EQ(holder.wait_exit_code(5s), 0);
    const auto gone =
        upstream_.wait_for_line("STATUS=0/1 workers ready; script-x.service gone (script up)", 2s);
    EXPECT_TRUE(gone) << broker.log();
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
