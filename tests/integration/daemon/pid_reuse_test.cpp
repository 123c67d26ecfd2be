// A sender that exits before the broker reads its datagram leaves its pid free;
// a stranger that gets the pid must not be taken for the sender: not its unit,
// not its worker. The broker runs as pid 1 of a pid namespace of its own, where
// the test hands the sender's pid to the stranger (ns_last_pid), with
// SO_PASSPIDFD (the kernel pins the sender) and without it (a kernel < 6.5:
// the broker pins the pid and checks the process's ids and start time).

#include "support/broker_test.hpp"
#include "support/unit_cgroup.hpp"
#include "support/worker.hpp"

#include <nb/client/notifier.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// Waits (2 s) until pid is stopped ('T' in /proc/PID/stat).
bool stopped(pid_t pid) {
    for (int i = 0; i < 200; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string text;
        std::getline(stat, text);
        const auto close = text.rfind(')');
        if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'T') {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

class PidReuse : public BrokerTest, public ::testing::WithParamInterface<bool> {
protected:
    /// In the broker's pid namespace: a sender (no unit) sends READY=1 and exits
    /// while the broker is stopped; then a stranger in privileged-x.service gets
    /// its pid and stays. Returns true once the stranger holds the pid; the
    /// stranger lives until the returned process is killed.
    static int swap_in_stranger(const std::string& socket, const TestCgroup& privileged,
                                int handed) {
        // A child of this one is in the broker's namespace (setns applies to
        // children), and may write that namespace's ns_last_pid.
        const pid_t sender = ::fork();
        if (sender == 0) {
            client::Notifier notifier(socket);
            ::_exit(notifier.notify("READY=1").sent() ? 0 : 1);
        }
        int status = 0;
        if (sender < 0 || ::waitpid(sender, &status, 0) != sender || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            return 2;
        }
        // Well past one clock tick after the datagram was queued: the window the
        // start time cannot tell apart (sender_pin.hpp).
        std::this_thread::sleep_for(50ms);
        {
            std::ofstream last("/proc/sys/kernel/ns_last_pid");
            last << sender - 1 << std::flush;
            if (!last) {
                return 3;
            }
        }
        int ready[2];
        if (::pipe(ready) != 0) {
            return 4;
        }
        const pid_t stranger = ::fork();
        if (stranger == 0) {
            ::close(ready[0]);
            const char ok = privileged.enter() ? 'y' : 'n';
            (void)!::write(ready[1], &ok, 1);
            ::pause();
            ::_exit(0);
        }
        ::close(ready[1]);
        char ok = 'n';
        if (::read(ready[0], &ok, 1) != 1 || ok != 'y' || stranger != sender) {
            return 5;
        }
        const char byte = 'x';
        if (::write(handed, &byte, 1) != 1) { // the stranger has the pid, in its unit
            return 6;
        }
        ::pause(); // killed by the test; the stranger dies with the namespace's broker
        return 0;
    }
};

TEST_P(PidReuse, AStrangerGivenAnExitedSendersPidIsNotTakenForIt) {
    TestCgroup privileged("privileged-x.service");
    ASSERT_TRUE(privileged.usable()) << "cannot create a cgroup under " << cgroup2_mount()
                                     << " (this test needs root and a writable cgroup2)";
    BrokerOptions options;
    options.own_pid_namespace = true;
    options.own_proc = true;
    if (!GetParam()) {
        options.env["NB_TEST_NO_PASSPIDFD"] = "1";
    }
    options.config = "[[group]]\nname = \"pool\"\nexpect = 1\n\n"
                     "[[allow]]\nunit = \"privileged-*.service\"\n";
    auto& broker = start_broker(options);
    const std::string ns = "/proc/" + std::to_string(broker.pid()) + "/ns/pid";

    broker.signal(SIGSTOP); // the datagram waits in the socket meanwhile
    ASSERT_TRUE(stopped(broker.pid())) << "the broker did not stop";
    int handed[2];
    ASSERT_EQ(::pipe(handed), 0);
    auto helper = ChildProcess::fork([&] {
        ::close(handed[0]);
        const int fd = ::open(ns.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWPID) != 0) {
            return 10;
        }
        const pid_t inner = ::fork();
        if (inner == 0) {
            ::_exit(swap_in_stranger(broker.socket_path(), privileged, handed[1]));
        }
        ::close(handed[1]);
        int status = 0;
        if (inner < 0 || ::waitpid(inner, &status, 0) != inner) {
            return 11;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 12;
    });
    ::close(handed[1]);
    char byte = 0;
    const bool swapped = ::read(handed[0], &byte, 1) == 1;
    ::close(handed[0]);
    broker.signal(SIGCONT);
    ASSERT_TRUE(swapped) << "the stranger did not get the sender's pid (helper exit "
                         << helper.wait_exit_code(1s) << ")";

    ASSERT_TRUE(barrier(broker.socket_path()));
    EXPECT_FALSE(upstream_.wait_for_line("READY=1", 300ms))
        << "the stranger's unit made the sender's READY=1 count";
    EXPECT_EQ(upstream_.count_prefix("STATUS=1/1"), 0U);
    // The helper first: its child in the namespace is a zombie until it is
    // reaped, and the broker (the namespace's init) waits for that to exit.
    helper.signal(SIGKILL);
    (void)helper.wait_exit_code(5s);
    EXPECT_EQ(broker.terminate(), 0); // the namespace ends: so does the stranger
    EXPECT_EQ(broker.log().find("privileged-x.service"), std::string::npos) << broker.log();
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutScmPidfd, PidReuse, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) -> std::string {
                             return param.param ? "WithScmPidfd" : "WithoutScmPidfd";
                         });

} // namespace
} // namespace nb::test
