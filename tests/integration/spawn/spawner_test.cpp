// The Spawner on a real libuv loop with real children (sh, python3-systemd).
#include "spawn/spawner.hpp"

#include <nb/test/datagram_receiver.hpp>
#include <nb/test/process.hpp>
#include <nb/test/temp_dir.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::spawn {
namespace {

using namespace std::chrono_literals;

// A loop, a deadline that fails the test instead of hanging it, and the
// Spawner's callbacks recorded.
class TheSpawner : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }

    void TearDown() override {
        if (spawner_)
            spawner_->close();
        spawner_.reset();
        uv_run(&loop_, UV_RUN_DEFAULT); // let the close callbacks run
        EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
    }

    Spawner& make(std::vector<std::string> command, unsigned copies,
                  std::chrono::microseconds watchdog = 0us) {
        daemon::SpawnSettings settings;
        settings.command = std::move(command);
        settings.copies = copies;
        Spawner::Callbacks callbacks;
        callbacks.on_started = [this](pid_t pid, unsigned index) {
            started_[index] = pid;
        };
        callbacks.on_exit = [this](pid_t pid, int code) {
            exits_[pid] = code;
        };
        callbacks.on_all_exited = [this](int code) {
            all_exited_code_ = code;
            ++all_exited_calls_;
            uv_stop(&loop_);
        };
        spawner_ = std::make_unique<Spawner>(&loop_, settings, socket_path_, callbacks, watchdog);
        return *spawner_;
    }

    /// make() for copies of `sh -c script`.
    Spawner& make_shell(std::string script, unsigned copies,
                        std::chrono::microseconds watchdog = 0us) {
        return make({"sh", "-c", std::move(script)}, copies, watchdog);
    }

    /// Runs the loop until on_all_exited; false after `limit`.
    bool run_until_all_exited(std::chrono::milliseconds limit = 10s) {
        uv_timer_t timer{};
        uv_timer_init(&loop_, &timer);
        timer.data = this;
        bool timed_out = false;
        timer.data = &timed_out;
        uv_timer_start(
            &timer,
            [](uv_timer_t* t) {
                *static_cast<bool*>(t->data) = true;
                uv_stop(t->loop);
            },
            static_cast<std::uint64_t>(limit.count()), 0);
        while (!all_exited_code_ && !timed_out)
            uv_run(&loop_, UV_RUN_DEFAULT);
        uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
        uv_run(&loop_, UV_RUN_NOWAIT);
        return all_exited_code_.has_value();
    }

    std::string read_file(const std::string& name) {
        std::ifstream in(dir_.file(name));
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    uv_loop_t loop_{};
    test::TempDir dir_;
    std::string socket_path_ = "/run/test/notify.sock";
    std::unique_ptr<Spawner> spawner_;
    std::map<unsigned, pid_t> started_;
    std::map<pid_t, int> exits_;
    std::optional<int> all_exited_code_;
    int all_exited_calls_ = 0;
};

TEST_F(TheSpawner, EachChildGetsTheSocketItsIndexAndThePoolSize) {
    auto& spawner = make_shell("echo \"$NOTIFY_SOCKET $NOTIFY_BROKER_WORKER_INDEX "
                               "$NOTIFY_BROKER_WORKERS $$\" > " +
                                   dir_.file("out.$NOTIFY_BROKER_WORKER_INDEX"),
                               3);
    ASSERT_TRUE(spawner.start().ok());
    ASSERT_TRUE(run_until_all_exited());
    ASSERT_EQ(started_.size(), 3U);
    for (unsigned i = 0; i < 3; ++i) {
        EXPECT_EQ(read_file("out." + std::to_string(i)), socket_path_ + " " + std::to_string(i) +
                                                             " 3 " + std::to_string(started_[i]) +
                                                             "\n")
            << "the reported pid is the process that ran";
    }
    EXPECT_EQ(*all_exited_code_, 0);
    EXPECT_EQ(all_exited_calls_, 1);
    EXPECT_TRUE(spawner.children().empty());
}

TEST_F(TheSpawner, ARealSdNotifyClientReachesTheBrokersSocketFromTheReportedPid) {
    test::DatagramReceiver receiver(dir_.file("notify.sock"));
    socket_path_ = receiver.address();
    auto& spawner = make({"/usr/bin/python3", "-c",
                          "import os; from systemd import daemon; "
                          "daemon.notify('READY=1\\nX_WORKER=py-' + "
                          "os.environ['NOTIFY_BROKER_WORKER_INDEX'])"},
                         1);
    ASSERT_TRUE(spawner.start().ok());
    const auto datagram = receiver.receive(10s);
    ASSERT_TRUE(datagram.has_value()) << "no datagram from the child";
    EXPECT_EQ(datagram->data, "READY=1\nX_WORKER=py-0");
    ASSERT_TRUE(datagram->credentials.has_value());
    EXPECT_EQ(datagram->credentials->pid, started_.at(0));
    ASSERT_TRUE(run_until_all_exited());
    EXPECT_EQ(*all_exited_code_, 0);
}

TEST_F(TheSpawner, AWorkerWatchdogIsEnabledForTheChildItself) {
    setenv("WATCHDOG_USEC", "999", 1); // the broker's own: must not leak
    auto& spawner =
        make_shell("echo \"$WATCHDOG_USEC $WATCHDOG_PID $$\" > " + dir_.file("watchdog"), 1, 3s);
    ASSERT_TRUE(spawner.start().ok());
    unsetenv("WATCHDOG_USEC");
    ASSERT_TRUE(run_until_all_exited());
    const std::string pid = std::to_string(started_.at(0));
    EXPECT_EQ(read_file("watchdog"), "3000000 " + pid + " " + pid + "\n");
}

TEST_F(TheSpawner, WithoutAWorkerWatchdogTheBrokersOwnIsHidden) {
    setenv("WATCHDOG_USEC", "999", 1);
    setenv("WATCHDOG_PID", "1", 1);
    setenv("LISTEN_FDS", "1", 1);
    auto& spawner = make_shell("echo \"[${WATCHDOG_USEC-unset}][${WATCHDOG_PID-unset}]"
                               "[${LISTEN_FDS-unset}]\" > " +
                                   dir_.file("env"),
                               1);
    ASSERT_TRUE(spawner.start().ok());
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    unsetenv("LISTEN_FDS");
    ASSERT_TRUE(run_until_all_exited());
    EXPECT_EQ(read_file("env"), "[unset][unset][unset]\n");
}

TEST_F(TheSpawner, TheFirstNonZeroExitStatusIsTheBrokers) {
    // Worker 1 fails first with 3; worker 2 fails later with 4.
    auto& spawner = make_shell("case $NOTIFY_BROKER_WORKER_INDEX in 1) exit 3;; "
                               "2) sleep 0.3; exit 4;; *) exit 0;; esac",
                               3);
    ASSERT_TRUE(spawner.start().ok());
    ASSERT_TRUE(run_until_all_exited());
    EXPECT_EQ(*all_exited_code_, 3);
    EXPECT_EQ(exits_.at(started_.at(0)), 0);
    EXPECT_EQ(exits_.at(started_.at(1)), 3);
    EXPECT_EQ(exits_.at(started_.at(2)), 4);
    EXPECT_TRUE(spawner.all_exited());
    EXPECT_EQ(spawner.exit_code(), 3);
}

TEST_F(TheSpawner, AChildKilledByASignalCounts128PlusTheSignal) {
    auto& spawner = make_shell("kill -KILL $$", 1);
    ASSERT_TRUE(spawner.start().ok());
    ASSERT_TRUE(run_until_all_exited());
    EXPECT_EQ(*all_exited_code_, 128 + SIGKILL);
}

// Children report "ready" on an inherited pipe once their trap is set, so the
// test signals them only when they can handle it.
class ReadyPipe {
public:
    ReadyPipe() {
        EXPECT_EQ(pipe(fds_.data()), 0); // no CLOEXEC: the children inherit the write end
    }
    ~ReadyPipe() {
        close(fds_[0]);
        if (fds_[1] >= 0)
            close(fds_[1]);
    }
    ReadyPipe(const ReadyPipe&) = delete;
    ReadyPipe& operator=(const ReadyPipe&) = delete;
    [[nodiscard]] std::string write_fd() const { return std::to_string(fds_[1]); }
    void close_write_end() {
        close(fds_[1]);
        fds_[1] = -1;
    }
    /// Waits for `count` lines.
    bool wait_for(unsigned count) {
        unsigned seen = 0;
        while (seen < count) {
            pollfd waiting{fds_[0], POLLIN, 0};
            if (poll(&waiting, 1, 10'000) != 1)
                return false;
            char c = 0;
            if (read(fds_[0], &c, 1) != 1)
                return false;
            seen += c == '\n' ? 1 : 0;
        }
        return true;
    }

private:
    std::array<int, 2> fds_{-1, -1};
};

TEST_F(TheSpawner, ForwardedSignalsReachEveryChild) {
    ReadyPipe ready;
    // bash, not dash: dash cannot redirect to a descriptor above 9.
    auto& spawner = make(
        {"bash", "-c",
         "trap 'exit 42' HUP; echo up >&" + ready.write_fd() + "; while :; do sleep 0.05; done"},
        2);
    ASSERT_TRUE(spawner.start().ok());
    ready.close_write_end();
    ASSERT_TRUE(ready.wait_for(2));
    EXPECT_EQ(spawner.children().size(), 2U);
    EXPECT_TRUE(spawner.is_child(started_.at(0)));
    EXPECT_EQ(spawner.forward(SIGHUP), 2U);
    ASSERT_TRUE(run_until_all_exited());
    EXPECT_EQ(*all_exited_code_, 42) << "both trapped SIGHUP and exited 42";
    EXPECT_FALSE(spawner.is_child(started_.at(0)));
}

TEST_F(TheSpawner, DyingOfAForwardedSignalIsACleanExit) {
    auto& spawner = make({"sleep", "100"}, 2);
    ASSERT_TRUE(spawner.start().ok());
    EXPECT_EQ(spawner.forward(SIGTERM), 2U);
    ASSERT_TRUE(run_until_all_exited());
    EXPECT_EQ(*all_exited_code_, 0) << "as systemd: SIGTERM on stop is success";
    EXPECT_EQ(exits_.at(started_.at(0)), 128 + SIGTERM) << "the per-child report keeps it";
}

TEST_F(TheSpawner, ACommandThatCannotRunIsAnErrorNamingIt) {
    auto& spawner = make({"no-such-program-xyz", "--flag"}, 2);
    auto status = spawner.start();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().message, "cannot run 'no-such-program-xyz': not found in PATH");
    EXPECT_TRUE(started_.empty());
}

TEST_F(TheSpawner, AnExecFailureInTheChildIsReported) {
    // Executable, but not a format the kernel can run: execve fails in the child.
    const std::string path = dir_.file("not-a-program");
    std::ofstream(path) << "\x7f"
                           "ELF garbage";
    chmod(path.c_str(), 0755);
    auto& spawner = make({path}, 1);
    auto status = spawner.start();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().message, "cannot run '" + path + "': Exec format error");
}

TEST_F(TheSpawner, ClosingTerminatesChildrenStillRunning) {
    auto& spawner = make({"sleep", "100"}, 1);
    ASSERT_TRUE(spawner.start().ok());
    const pid_t pid = started_.at(0);
    spawner.close();
    const auto status = nb::test::wait_for_exit(pid, std::chrono::seconds(5));
    ASSERT_TRUE(status) << "the child (sleep 100) was still running 5 s after close()";
    EXPECT_TRUE(WIFSIGNALED(*status));
    EXPECT_EQ(WTERMSIG(*status), SIGTERM);
    EXPECT_EQ(all_exited_calls_, 0) << "no callback after close()";
}

} // namespace
} // namespace nb::spawn
