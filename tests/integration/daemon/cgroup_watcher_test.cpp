// Units followed through their cgroups: CgroupWatcher on a real libuv loop with
// a real cgroup2 sub-cgroup (root only: creating cgroups). The pure parsers:
// tests/unit/shell/cgroup_watcher_test.cpp.

#include "shell/cgroup_watcher.hpp"
#include "shell/unit_workers.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

/// A throw-away cgroup "/nb-cgw-PID.slice/probe.service" with one child process
/// in it (blocked on a pipe until killed). At the root, under a slice: below
/// the test's own unit (if it runs in one) a cgroup belongs to that unit, as
/// systemd reads paths (unit_name.hpp).
class ProbeUnit {
public:
    ProbeUnit() {
        root_ = find_cgroup2_root();
        parent_ = "/nb-cgw-" + std::to_string(::getpid()) + ".slice";
        path_ = parent_ + "/probe.service";
    }
    ~ProbeUnit() {
        kill_child();
        std::error_code ec;
        std::filesystem::remove(root_ + path_, ec);
        std::filesystem::remove(root_ + parent_, ec);
    }

    /// Creates the cgroup and starts the child in it; false (with why) if this
    /// machine does not let us (not root, no cgroup2).
    bool start(std::string& why) {
        if (::geteuid() != 0 || root_.empty()) {
            why = "needs root and a cgroup2 hierarchy";
            return false;
        }
        std::error_code ec;
        std::filesystem::create_directories(root_ + path_, ec);
        if (ec) {
            why = "cannot create " + root_ + path_ + ": " + ec.message();
            return false;
        }
        int ready[2];
        if (::pipe(ready) != 0) {
            why = "pipe";
            return false;
        }
        child_ = ::fork();
        if (child_ == 0) {
            std::ofstream(root_ + path_ + "/cgroup.procs") << ::getpid() << std::flush;
            const char byte = 'y';
            [[maybe_unused]] auto n = ::write(ready[1], &byte, 1);
            ::pause();
            ::_exit(0);
        }
        ::close(ready[1]);
        char byte = 0;
        const bool moved = ::read(ready[0], &byte, 1) == 1;
        ::close(ready[0]);
        if (!moved) {
            why = "the child did not start";
            return false;
        }
        return true;
    }

    void kill_child() {
        if (child_ > 0) {
            ::kill(child_, SIGKILL);
            ::waitpid(child_, nullptr, 0);
            child_ = -1;
        }
    }

    [[nodiscard]] const std::string& root() const { return root_; }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] pid_t child() const { return child_; }

private:
    std::string root_;
    std::string parent_;
    std::string path_;
    pid_t child_ = -1;
};

/// Runs the loop until `done` or the timeout (a uv timer, no sleeping).
bool run_until(uv_loop_t* loop, const bool& done, std::chrono::milliseconds timeout) {
    uv_timer_t timer;
    uv_timer_init(loop, &timer);
    uv_timer_start(
        &timer, [](uv_timer_t* t) { uv_stop(t->loop); },
        static_cast<std::uint64_t>(timeout.count()), 0);
    while (!done && uv_timer_get_due_in(&timer) > 0) {
        uv_run(loop, UV_RUN_ONCE);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    uv_run(loop, UV_RUN_NOWAIT);
    return done;
}

TEST(CgroupWatcher, TellsWhenTheUnitsLastProcessHasExited) {
    ProbeUnit unit;
    std::string why;
    if (!unit.start(why)) {
        GTEST_SKIP() << why;
    }
    EXPECT_EQ(read_unit_cgroup_of(unit.child()), unit.path());

    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    std::vector<std::string> emptied;
    bool done = false;
    {
        CgroupWatcher watcher(&loop, unit.root(), [&](const std::string& name) {
            emptied.push_back(name);
            done = true;
        });
        ASSERT_TRUE(watcher.watch("probe.service", unit.path()));
        EXPECT_TRUE(watcher.watches("probe.service"));
        // Still populated: nothing to tell.
        EXPECT_FALSE(run_until(&loop, done, std::chrono::milliseconds(100)));

        const auto t0 = std::chrono::steady_clock::now();
        unit.kill_child();
        EXPECT_TRUE(run_until(&loop, done, std::chrono::seconds(5)));
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
        EXPECT_EQ(emptied, std::vector<std::string>{"probe.service"});
        EXPECT_FALSE(watcher.watches("probe.service"));
        // An empty cgroup is not followed: the caller falls back to the pid.
        EXPECT_FALSE(watcher.watch("probe.service", unit.path()));
        EXPECT_EQ(watcher.size(), 0u);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(CgroupWatcher, AForgottenUnitIsNotReportedAndAMissingCgroupIsRefused) {
    ProbeUnit unit;
    std::string why;
    if (!unit.start(why)) {
        GTEST_SKIP() << why;
    }
    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    bool done = false;
    {
        CgroupWatcher watcher(&loop, unit.root(), [&](const std::string&) { done = true; });
        EXPECT_FALSE(watcher.watch("ghost.service", "/nb-no-such-cgroup/ghost.service"));
        EXPECT_FALSE(watcher.watch("up.service", "/../etc"));
        ASSERT_TRUE(watcher.watch("probe.service", unit.path()));
        watcher.forget("probe.service");
        unit.kill_child();
        EXPECT_FALSE(run_until(&loop, done, std::chrono::milliseconds(300)));
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

// After a restart (issue 14): a script's worker comes back by the cgroup path
// the old broker recorded, only if that path names the unit and is populated.
TEST(AUnitResumedAfterARestart, IsFollowedAgainOnlyThroughAPathThatNamesItAndIsPopulated) {
    ProbeUnit unit;
    std::string why;
    if (!unit.start(why)) {
        GTEST_SKIP() << why;
    }
    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    std::vector<std::string> gone;
    bool done = false;
    {
        UnitWorkers units(&loop, "notify-brokerd.service", unit.root(), [&](const std::string& u) {
            gone.push_back(u);
            done = true;
        });
        // A path that names another unit, or not at its own component, or climbs out.
        EXPECT_FALSE(units.resume("other.service", unit.path()));
        EXPECT_FALSE(units.resume("probe.service", unit.path() + "/payload"));
        EXPECT_FALSE(units.resume("probe.service", "/../probe.service"));
        EXPECT_FALSE(
            units.resume("notify-brokerd.service", "/system.slice/notify-brokerd.service"));
        EXPECT_EQ(units.size(), 0U);
        ASSERT_TRUE(units.resume("probe.service", unit.path()));
        EXPECT_EQ(units.cgroup_of("probe.service"), unit.path()); // what the next snapshot records
        unit.kill_child();
        EXPECT_TRUE(run_until(&loop, done, std::chrono::seconds(5)));
        EXPECT_EQ(gone, std::vector<std::string>{"probe.service"});
        // Empty now: a restore finds nothing to follow.
        EXPECT_FALSE(units.resume("probe.service", unit.path()));
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

} // namespace
} // namespace nb::daemon
