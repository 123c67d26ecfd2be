// notify-broker (sending side) against the installed systemd-notify on the same
// argv: the same datagrams in the same order with the same credentials (pids,
// pidfd ids and MONOTONIC_USEC normalised), the same fd counts and the same exit
// code. notify-broker does what systemd-notify 257 (Debian 13) does; the table
// is chosen from the version installed: 257's must be all equal, 252's (Debian
// 12) names every place where ours deliberately does the newer thing.

#include "cli_compat_cases.hpp"
#include "pidfd_id.hpp"

#include <nb/test/datagram_receiver.hpp>
#include <nb/test/process.hpp>
#include <nb/test/temp_dir.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using namespace nb::test::cli_compat;

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
        } else if (line.rfind("MAINPIDFDID=", 0) == 0) {
            // The id of a process that has exited cannot be asked for any more:
            // ours is checked exactly, any other only for being a number.
            const auto test_id = nb::cli::pidfd_inode_id(getpid());
            const std::string value = line.substr(12);
            if (test_id && value == std::to_string(*test_id)) {
                line = "MAINPIDFDID=<test>";
            } else if (!value.empty() &&
                       value.find_first_not_of("0123456789") == std::string::npos) {
                line = "MAINPIDFDID=<id>";
            }
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
// with_fds: the tool inherits fds 3 and 4 (/dev/null, without FD_CLOEXEC), for --fd=.
Observed run_tool(const std::string& tool, const std::vector<std::string>& args, Socket socket,
                  bool close_fds = true, bool with_fds = false,
                  std::map<std::string, std::optional<std::string>> environment = {}) {
    nb::test::TempDir dir;
    nb::test::DatagramReceiver receiver((dir / "notify.sock").string());
    nb::test::ProcessOptions options;
    options.environment = std::move(environment);
    options.environment.try_emplace("MANAGERPID", std::nullopt);
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
    if (with_fds) { // sh execs the tool: same pid, same parent (us)
        argv = {"/bin/sh", "-c", "exec 3</dev/null 4</dev/null; exec \"$0\" \"$@\"", tool};
    }
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

// The version of the installed systemd-notify ("systemd 257 (257.9-1~deb13u1)"), or 0.
int installed_version() {
    static const int version = [] {
        const auto result = nb::test::run_process({NB_SYSTEMD_NOTIFY, "--version"});
        int number = 0;
        return std::sscanf(result.out.c_str(), "systemd %d", &number) == 1 ? number : 0;
    }();
    return version;
}

std::vector<Case> table_for_installed() {
    switch (installed_version()) {
    case 252:
        return table_252();
    case 257:
        return table_257();
    default:
        return {}; // CliCompatTable.ExistsForTheInstalledSystemdNotify fails
    }
}

TEST(CliCompatTable, ExistsForTheInstalledSystemdNotify) {
    const int version = installed_version();
    EXPECT_TRUE(version == 252 || version == 257)
        << NB_SYSTEMD_NOTIFY << " is systemd " << version
        << ": no table of cases for it (tables: 252, 257)";
}

class CliCompat : public ::testing::TestWithParam<Case> {};

TEST_P(CliCompat, SendsWhatSystemdNotifySendsAndExitsTheSame) {
    const auto& c = GetParam();
    const auto reference = run_tool(NB_SYSTEMD_NOTIFY, c.args, c.socket, true, c.with_fds);
    const auto ours = run_tool(NB_CLI, c.args, c.socket, true, c.with_fds);
    // Only the 252 table has differences, each named by the function that makes it.
    const int expected_exit = c.ours_exit >= 0 ? c.ours_exit : reference.exit_code;
    EXPECT_EQ(ours.exit_code, expected_exit) << "stderr: " << ours.err;
    EXPECT_EQ(ours.datagrams, c.ours ? c.ours(reference.datagrams) : reference.datagrams)
        << "systemd-notify's stderr: " << reference.err << "\nours: " << ours.err;
    if (c.socket != Socket::set || !c.sends) {
        // Nothing but how it ended (254+: EXIT_STATUS=).
        for (const auto& datagram : reference.datagrams) {
            EXPECT_NE(datagram.find("| EXIT_STATUS="), std::string::npos) << datagram;
        }
    } else {
        EXPECT_FALSE(reference.datagrams.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(InstalledSystemdNotify, CliCompat,
                         ::testing::ValuesIn(table_for_installed()),
                         [](const ::testing::TestParamInfo<Case>& test) {
                             return std::string(test.param.name);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CliCompat); // the table test above fails instead

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
    // 252 sent the barrier as itself and no EXIT_STATUS= (see table_252()).
    const auto expected = installed_version() == 252
                              ? adds_exit_status_1(barrier_as_sender(theirs_observed.datagrams))
                              : theirs_observed.datagrams;
    EXPECT_EQ(ours_observed.datagrams, expected);
    ASSERT_GE(ours_observed.datagrams.size(), 3U);
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
