// The broker composes everything it sends upstream: the keys systemd reads as
// commands about the *sending* service (its main process, its notify access,
// its exit status, its fd store, a nested manager's state, a restart counter
// reset) never reach systemd from a worker, neither as a key nor as a line.
// Each key arrives in a real worker datagram (our client, libsystemd's
// sd_notify(), systemd-notify, and raw datagrams with the fds some keys come
// with); a real receiver plays systemd. How the broker interprets these keys
// is core/worker_keys' business: this asserts only what comes out.

#include "support/broker_test.hpp"
#include "support/raw_sender.hpp"
#include "support/worker.hpp"

#include <nb/test/fd.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// Key names (or prefixes, ending in '*') that only the broker may say for itself.
constexpr std::array<std::string_view, 9> never_relayed{
    "MAINPID*", "NOTIFYACCESS", "EXIT_STATUS", "X_SYSTEMD_*", "RESTART_RESET",
    "FDSTORE*", "FDNAME",       "FDPOLL",      "BARRIER"};

bool names_a_never_relayed_key(std::string_view line) {
    const std::string_view key = line.substr(0, line.find('='));
    for (std::string_view name : never_relayed) {
        if (name.ends_with('*') ? key.starts_with(name.substr(0, name.size() - 1)) : key == name) {
            return true;
        }
    }
    return false;
}

/// What a worker sends: each never-relayed key with a value systemd would act on.
std::vector<std::string> datagrams_with_each_key(pid_t worker) {
    const std::string pid = std::to_string(worker);
    return {"X_WORKER=keys\nREADY=1\nMAINPID=" + pid,
            "X_WORKER=keys\nSTATUS=main pid\nMAINPID=" + pid,
            "X_WORKER=keys\nMAINPIDFDID=4242",
            "X_WORKER=keys\nNOTIFYACCESS=all",
            "X_WORKER=keys\nSTATUS=exiting\nEXIT_STATUS=3",
            "X_WORKER=keys\nEXIT_STATUS=SIGTERM",
            "X_WORKER=keys\nX_SYSTEMD_UNIT_ACTIVE=keys.service",
            "X_WORKER=keys\nX_SYSTEMD_SIGNALS_LEVEL=2",
            "X_WORKER=keys\nRESTART_RESET=1",
            "X_WORKER=keys\nFDSTOREREMOVE=1\nFDNAME=keys",
            "X_WORKER=keys\nFDPOLL=0",
            "MAINPID=" + pid,
            "NOTIFYACCESS=none",
            "EXIT_STATUS=0",
            "X_SYSTEMD_UNIT_INACTIVE=keys.service",
            "RESTART_RESET=1",
            "FDSTOREREMOVE=1"};
}

void expect_nothing_never_relayed(const std::vector<std::string>& history) {
    ASSERT_FALSE(history.empty());
    for (const auto& datagram : history) {
        for (const auto& line : lines_of(datagram)) {
            EXPECT_FALSE(names_a_never_relayed_key(line))
                << "relayed upstream: " << line << " (in " << printable(datagram) << ")";
        }
    }
}

using UpstreamKeys = BrokerTest;

TEST_F(UpstreamKeys, NoWorkerKeyAboutTheSendingServiceEverReachesSystemd) {
    auto& broker = start_broker({"--expect", "1", "--status-interval", "1ms"});
    // From a real worker through our client (each datagram followed by a barrier).
    auto worker = start_worker(broker.socket_path(), datagrams_with_each_key(::getpid()));
    ASSERT_TRUE(worker.wait_sent());
    // The same keys with the fds they come with: a pidfd for MAINPIDFD=1, an
    // fd for FDSTORE=1.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
    ASSERT_GE(pidfd, 0);
    const Fd own_pidfd(pidfd);
    const Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(dev_null);
    RawSender sender(broker.socket_path());
    const std::array<int, 1> with_pidfd{own_pidfd.get()};
    const std::array<int, 1> with_file{dev_null.get()};
    ASSERT_EQ(sender.send("X_WORKER=raw\nREADY=1\nMAINPIDFD=1", with_pidfd), 0);
    ASSERT_EQ(sender.send("X_WORKER=raw\nMAINPIDFD=1\nMAINPIDFDID=1", with_pidfd), 0);
    ASSERT_EQ(sender.send("X_WORKER=raw\nFDSTORE=1\nFDNAME=raw", with_file), 0);
    ASSERT_EQ(sender.send("FDSTORE=1\nFDPOLL=0", with_file), 0);
    // The pool still becomes ready from a worker that says nothing else.
    auto clean = start_worker(broker.socket_path(), {"X_WORKER=clean\nREADY=1"});
    ASSERT_TRUE(clean.wait_sent());
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(barrier(broker.socket_path()));
    drain_upstream();
    EXPECT_EQ(broker.terminate(), 0);
    ASSERT_TRUE(upstream_.wait_for_line("STOPPING=1", 5s));
    expect_nothing_never_relayed(upstream_.history());
    expect_clean_exits(worker, clean);
}

TEST_F(UpstreamKeys, NothingOfThemReachesSystemdFromLibsystemdOrSystemdNotify) {
    auto& broker = start_broker({"--expect", "1", "--status-interval", "1ms"});
    SpawnOptions options;
    options.env["NOTIFY_SOCKET"] = broker.socket_path();
    // libsystemd's sd_notify(), one datagram with every key (sent once it exited).
    auto c_worker = ChildProcess::spawn(
        {NB_SD_NOTIFY_WORKER,
         "X_WORKER=c-keys\nREADY=1\nMAINPID=1\nMAINPIDFDID=7\nNOTIFYACCESS=all\n"
         "EXIT_STATUS=1\nX_SYSTEMD_UNIT_ACTIVE=x.service\nRESTART_RESET=1\n"
         "FDSTOREREMOVE=1\nFDNAME=x"},
        options);
    EXPECT_EQ(c_worker.wait_exit_code(5s), 0);
    // systemd-notify: --pid= sends MAINPID= (and MAINPIDFDID= on 257), the
    // rest as VAR=VALUE; its own barrier follows.
    auto cli = ChildProcess::spawn(
        {"/usr/bin/systemd-notify", "--pid=" + std::to_string(::getpid()), "X_WORKER=cli-keys",
         "EXIT_STATUS=2", "NOTIFYACCESS=all", "X_SYSTEMD_SIGNALS_LEVEL=2", "RESTART_RESET=1"},
        options);
    EXPECT_EQ(cli.wait_exit_code(10s), 0);
    auto clean = start_worker(broker.socket_path(), {"X_WORKER=clean\nREADY=1"});
    ASSERT_TRUE(clean.wait_sent());
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 5s));
    ASSERT_TRUE(barrier(broker.socket_path()));
    drain_upstream();
    EXPECT_EQ(broker.terminate(), 0);
    expect_nothing_never_relayed(upstream_.history());
    expect_clean_exits(clean);
}

} // namespace
} // namespace nb::test
