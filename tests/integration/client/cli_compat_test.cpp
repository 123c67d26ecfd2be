// notify-broker (sending side) against Debian's systemd-notify 252 on the same
// argv: the same datagrams in the same order with the same credentials (pids
// and MONOTONIC_USEC normalised) and the same exit code.

#include <nb/test/datagram_receiver.hpp>
#include <nb/test/process.hpp>
#include <nb/test/temp_dir.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using namespace std::chrono_literals;

enum class Socket { set, unset, malformed };

struct Observed {
    int exit_code = -1;
    std::vector<std::string> datagrams; ///< normalised, in arrival order
    std::string err;
};

// "<who> uid=U gid=G fds=N | data": who is "parent" when the tool sent as its
// parent (the test process), "tool" otherwise; MONOTONIC_USEC values become
// "*" and a MAINPID naming the sender or the test becomes <sender> / <test>.
std::string normalise(const nb::test::Datagram& datagram) {
    const pid_t sender = datagram.credentials ? datagram.credentials->pid : 0;
    std::string data;
    std::size_t start = 0;
    while (start <= datagram.data.size()) {
        auto end = datagram.data.find('\n', start);
        if (end == std::string::npos) {
            end = datagram.data.size();
        }
        std::string line = datagram.data.substr(start, end - start);
        if (line.rfind("MONOTONIC_USEC=", 0) == 0) {
            line = "MONOTONIC_USEC=*";
        } else if (line == "MAINPID=" + std::to_string(sender)) {
            line = "MAINPID=<sender>";
        } else if (line == "MAINPID=" + std::to_string(getpid())) {
            line = "MAINPID=<test>";
        }
        data += (start == 0 ? "" : "\n") + line;
        start = end + 1;
    }
    std::string who = "unknown";
    if (datagram.credentials) {
        who = (sender == getpid() ? "parent" : "tool") +
              (" uid=" + std::to_string(datagram.credentials->uid)) +
              (" gid=" + std::to_string(datagram.credentials->gid));
    }
    return who + " fds=" + std::to_string(datagram.fds.size()) + " | " + data;
}

// Runs tool with args; a thread receives meanwhile and, if close_fds, closes
// every fd at once (releasing barriers) — otherwise holds them to the end.
Observed run_tool(const std::string& tool, const std::vector<std::string>& args, Socket socket,
                  bool close_fds = true) {
    nb::test::TempDir dir;
    nb::test::DatagramReceiver receiver((dir / "notify.sock").string());
    nb::test::ProcessOptions options;
    options.environment["MANAGERPID"] = std::nullopt;
    options.environment["NOTIFY_SOCKET"] =
        socket == Socket::set     ? std::optional<std::string>(receiver.address())
        : socket == Socket::unset ? std::nullopt
                                  : std::optional<std::string>("relative/notify.sock");
    options.timeout = 20s;

    Observed observed;
    std::vector<nb::test::Datagram> held; // their fds stay open until we return
    auto take = [&](nb::test::Datagram datagram) {
        observed.datagrams.push_back(normalise(datagram));
        if (!close_fds) {
            held.push_back(std::move(datagram));
        } // else closed right here, which releases a barrier
    };
    std::atomic<bool> done{false};
    std::thread drain([&] {
        while (!done) {
            if (auto datagram = receiver.receive(20ms)) {
                take(std::move(*datagram));
            }
        }
    });
    std::vector<std::string> argv{tool};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = nb::test::run_process(argv, options);
    done = true;
    drain.join();
    for (auto rest = receiver.drain(0ms); auto& datagram : rest) {
        take(std::move(datagram));
    }
    observed.exit_code = result.exit_code;
    observed.err = result.err;
    return observed;
}

struct Case {
    const char* name;
    std::vector<std::string> args;
    Socket socket = Socket::set;
    bool sends = true; ///< systemd-notify sends something (so the comparison means something)
};

void PrintTo(const Case& c, std::ostream* out) {
    *out << c.name;
}

class CliCompat : public ::testing::TestWithParam<Case> {};

TEST_P(CliCompat, SendsWhatSystemdNotifySendsAndExitsTheSame) {
    const auto& c = GetParam();
    const auto reference = run_tool(NB_SYSTEMD_NOTIFY, c.args, c.socket);
    const auto ours = run_tool(NB_CLI, c.args, c.socket);
    EXPECT_EQ(ours.exit_code, reference.exit_code) << "stderr: " << ours.err;
    EXPECT_EQ(ours.datagrams, reference.datagrams);
    EXPECT_EQ(!reference.datagrams.empty(), c.socket == Socket::set && c.sends);
}

// systemd-notify 252 lacks --reloading and --stopping: those are ours only.
INSTANTIATE_TEST_SUITE_P(
    SameArgv, CliCompat,
    ::testing::Values(
        Case{"ready", {"--ready"}}, Case{"status", {"--status=Serving 4 workers"}},
        Case{"empty_status", {"--status="}}, Case{"assignments", {"X_WORKER=web-1", "X_ROLE=db"}},
        Case{"merged_duplicates", {"--ready", "--status=hi", "A=1", "READY=2", "A=3", "foo"}},
        Case{"options_after_assignments", {"A=1", "--ready"}},
        Case{"double_dash", {"--", "--ready"}}, Case{"no_block", {"--no-block", "--ready"}},
        Case{"pid_default", {"--pid"}}, Case{"pid_parent", {"--pid=parent"}},
        Case{"pid_self", {"--pid=self"}}, Case{"pid_auto", {"--pid=auto"}},
        Case{"pid_number", {"--pid=4194000"}}, Case{"pid_garbage", {"--pid=abc"}},
        Case{"pid_zero", {"--pid=0"}}, Case{"uid_name", {"--uid=nobody", "--ready"}},
        Case{"uid_number", {"--uid=54321", "--ready"}},
        Case{"uid_unknown", {"--uid=no-such-user-here", "--ready"}},
        Case{"booted", {"--booted"}, Socket::set, false},
        Case{"booted_wins", {"--booted", "--ready"}, Socket::set, false}, Case{"nothing", {}},
        Case{"help", {"--help"}, Socket::set, false},
        Case{"unknown_option", {"--ready", "--bogus"}}, Case{"missing_argument", {"--status"}},
        Case{"unset_socket", {"--ready"}, Socket::unset},
        Case{"malformed_socket", {"--ready"}, Socket::malformed}),
    [](const ::testing::TestParamInfo<Case>& test) { return std::string(test.param.name); });

TEST(CliCompatMessages, UnsetNotifySocketIsReportedInTheSameWords) {
    const auto reference = run_tool(NB_SYSTEMD_NOTIFY, {"--ready"}, Socket::unset);
    const auto ours = run_tool(NB_CLI, {"--ready"}, Socket::unset);
    EXPECT_EQ(ours.err, reference.err);
    EXPECT_EQ(ours.err, "No status data could be sent: $NOTIFY_SOCKET was not set\n");
}

TEST(CliCompatBarrier, AReceiverThatNeverClosesTheBarrierFdFailsBothAfterFiveSeconds) {
    // 5 s each: run both at once.
    auto reference = std::async(std::launch::async, [] {
        return run_tool(NB_SYSTEMD_NOTIFY, {"--ready"}, Socket::set, false);
    });
    auto ours = std::async(std::launch::async,
                           [] { return run_tool(NB_CLI, {"--ready"}, Socket::set, false); });
    const auto theirs_observed = reference.get();
    const auto ours_observed = ours.get();
    EXPECT_EQ(theirs_observed.exit_code, 1);
    EXPECT_EQ(ours_observed.exit_code, theirs_observed.exit_code);
    EXPECT_EQ(ours_observed.datagrams, theirs_observed.datagrams);
    ASSERT_EQ(ours_observed.datagrams.size(), 3U);
    EXPECT_NE(ours_observed.datagrams[2].find("| ERRNO=110"), std::string::npos);
    EXPECT_EQ(ours_observed.err, theirs_observed.err);
}

TEST(CliSubcommands, AnUnknownSubcommandIsAUsageError) {
    const auto result = nb::test::run_process({NB_CLI, "frobnicate"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("unknown command 'frobnicate'"), std::string::npos) << result.err;
}

TEST(CliSubcommands, HelpListsTheSubcommands) {
    const auto result = nb::test::run_process({NB_CLI, "--help"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_NE(result.out.find("listen"), std::string::npos);
    EXPECT_NE(result.out.find("--reloading"), std::string::npos);
}

TEST(CliReloading, ReloadingAndStoppingSendSystemd253sOrder) {
    const auto ours =
        run_tool(NB_CLI, {"--reloading", "--ready", "--stopping", "--status=x"}, Socket::set);
    EXPECT_EQ(ours.exit_code, 0);
    ASSERT_EQ(ours.datagrams.size(), 2U);
    const std::string who = geteuid() == 0 ? "parent" : "tool"; // faking needs privileges
    EXPECT_EQ(ours.datagrams[0], who + " uid=" + std::to_string(getuid()) +
                                     " gid=" + std::to_string(getgid()) +
                                     " fds=0 | RELOADING=1\nMONOTONIC_USEC=*\nREADY=1\n"
                                     "STOPPING=1\nSTATUS=x");
}

} // namespace
