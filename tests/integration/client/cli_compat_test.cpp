// notify-broker (sending side) against the installed systemd-notify on the same
// argv: the same datagrams in the same order with the same credentials (pids,
// pidfd ids and MONOTONIC_USEC normalised), the same fd counts and the same exit
// code. notify-broker does what systemd-notify 257 (Debian 13) does; the table
// is chosen from the version installed: 257's must be all equal, 252's (Debian
// 12) names every place where ours deliberately does the newer thing.

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

// Where ours deliberately differs from an older systemd-notify: what ours sends
// instead, derived from what the reference sent, and why.
using Datagrams = std::vector<std::string>;
using Difference = Datagrams (*)(Datagrams reference);

struct Case {
    const char* name;
    std::vector<std::string> args;
    Socket socket = Socket::set;
    bool sends = true;     ///< systemd-notify sends something (so the comparison means something)
    bool with_fds = false; ///< the tools inherit fds 3 and 4
    Difference ours = nullptr; ///< 252 table only: the expected difference
    int ours_exit = -1;        ///< 252 table only: ours' exit code where it differs
};

void PrintTo(const Case& c, std::ostream* out) {
    *out << c.name;
}

// --- the differences from 252 (each is 257's behaviour; see send_command.cpp) ---

std::string with_who(const std::string& datagram, const std::string& who) {
    return who + datagram.substr(datagram.find(' '));
}

// 254+: the barrier is sent under the pid the message was sent as (faked when
// privileged), not the tool's own.
Datagrams barrier_as_sender(Datagrams reference) {
    for (std::size_t i = 1; i < reference.size(); ++i) {
        if (reference[i].ends_with("| BARRIER=1")) {
            reference[i] =
                with_who(reference[i], reference[i - 1].substr(0, reference[i - 1].find(' ')));
        }
    }
    return reference;
}

// 257: --pid adds MAINPIDFDID= after MAINPID= where pidfds have ids (pidfs):
// the test's own id where MAINPID names the test (also as the faking sender).
Datagrams adds_mainpidfdid(Datagrams reference) {
    if (!nb::cli::pidfd_inode_id(getpid())) {
        return barrier_as_sender(std::move(reference)); // no pidfs: no ids
    }
    for (auto& datagram : reference) {
        const bool parent = datagram.rfind("parent ", 0) == 0;
        for (const std::string pid : {"MAINPID=<sender>", "MAINPID=<test>"}) {
            const auto at = datagram.find(pid);
            if (at != std::string::npos) {
                const bool test = pid == "MAINPID=<test>" || parent;
                datagram.insert(at + pid.size(),
                                test ? "\nMAINPIDFDID=<test>" : "\nMAINPIDFDID=<id>");
                break;
            }
        }
    }
    return barrier_as_sender(std::move(reference));
}

// 254+ (main-func.h): every tool ends with EXIT_STATUS= after ERRNO=, except
// systemd-notify after it has sent its message.
Datagrams exit_status(Datagrams reference, int code) {
    std::string who = "tool uid=" + std::to_string(getuid()) + " gid=" + std::to_string(getgid());
    reference.push_back(who + " fds=0 | EXIT_STATUS=" + std::to_string(code));
    return reference;
}
Datagrams adds_exit_status_1(Datagrams reference) {
    return exit_status(std::move(reference), 1);
}
Datagrams adds_exit_status_0(Datagrams reference) {
    return exit_status(std::move(reference), 0);
}
Datagrams adds_exit_status_of_booted(Datagrams reference) {
    return exit_status(std::move(reference), nb::test::run_process({NB_CLI, "--booted"}).exit_code);
}

// 257 pins --pid= with a pidfd when parsing: a pid that does not exist is
// refused (ESRCH) instead of being sent.
Datagrams refuses_missing_pid(Datagrams) {
    std::string who = "tool uid=" + std::to_string(getuid()) + " gid=" + std::to_string(getgid());
    return {who + " fds=0 | ERRNO=3", who + " fds=0 | EXIT_STATUS=1"};
}

// Systemd-notify 252 on Debian 12; ours is 257, so the table says where.
std::vector<Case> table_252() {
    return {
        Case{"ready", {"--ready"}, Socket::set, true, false, barrier_as_sender},
        Case{"status", {"--status=Serving 4 workers"}, Socket::set, true, false, barrier_as_sender},
        Case{"empty_status", {"--status="}, Socket::set, true, false, barrier_as_sender},
        Case{"assignments",
             {"X_WORKER=web-1", "X_ROLE=db"},
             Socket::set,
             true,
             false,
             barrier_as_sender},
        Case{"merged_duplicates",
             {"--ready", "--status=hi", "A=1", "READY=2", "A=3", "foo"},
             Socket::set,
             true,
             false,
             barrier_as_sender},
        Case{"options_after_assignments",
             {"A=1", "--ready"},
             Socket::set,
             true,
             false,
             barrier_as_sender},
        Case{"double_dash", {"--", "--ready"}, Socket::set, true, false, barrier_as_sender},
        Case{"no_block", {"--no-block", "--ready"}},
        Case{"pid_default", {"--pid"}, Socket::set, true, false, adds_mainpidfdid},
        Case{"pid_parent", {"--pid=parent"}, Socket::set, true, false, adds_mainpidfdid},
        Case{"pid_self", {"--pid=self"}, Socket::set, true, false, adds_mainpidfdid},
        Case{"pid_auto", {"--pid=auto"}, Socket::set, true, false, adds_mainpidfdid},
        Case{"pid_number", {"--pid=4194000"}, Socket::set, true, false, refuses_missing_pid, 1},
        Case{"pid_garbage", {"--pid=abc"}, Socket::set, true, false, adds_exit_status_1},
        Case{"pid_zero", {"--pid=0"}, Socket::set, true, false, adds_exit_status_1},
        Case{"uid_name", {"--uid=nobody", "--ready"}, Socket::set, true, false, barrier_as_sender},
        Case{"uid_number", {"--uid=54321", "--ready"}, Socket::set, true, false, barrier_as_sender},
        Case{"uid_unknown",
             {"--uid=no-such-user-here", "--ready"},
             Socket::set,
             true,
             false,
             adds_exit_status_1},
        Case{"booted", {"--booted"}, Socket::set, false, false, adds_exit_status_of_booted},
        Case{"booted_wins",
             {"--booted", "--ready"},
             Socket::set,
             false,
             false,
             adds_exit_status_of_booted},
        Case{"nothing", {}, Socket::set, true, false, adds_exit_status_1},
        Case{"help", {"--help"}, Socket::set, false, false, adds_exit_status_0},
        Case{
            "unknown_option", {"--ready", "--bogus"}, Socket::set, true, false, adds_exit_status_1},
        Case{"missing_argument", {"--status"}, Socket::set, true, false, adds_exit_status_1},
        Case{"unset_socket", {"--ready"}, Socket::unset},
        Case{"malformed_socket", {"--ready"}, Socket::malformed},
    };
}

// Systemd-notify 257 on Debian 13: ours must send and exit exactly the same.
std::vector<Case> table_257() {
    const Socket set = Socket::set;
    return {
        Case{"ready", {"--ready"}},
        Case{"reloading", {"--reloading"}},
        Case{"stopping", {"--stopping", "--status=bye"}},
        Case{"reloading_ready_stopping", {"--reloading", "--ready", "--stopping"}},
        Case{"status", {"--status=Serving 4 workers"}},
        Case{"empty_status", {"--status="}},
        Case{"assignments", {"X_WORKER=web-1", "X_ROLE=db"}},
        Case{"merged_duplicates", {"--ready", "--status=hi", "A=1", "READY=2", "A=3", "foo"}},
        Case{"options_after_assignments", {"A=1", "--ready"}},
        Case{"double_dash", {"--", "--ready"}},
        Case{"no_block", {"--no-block", "--ready"}},
        Case{"pid_default", {"--pid"}},
        Case{"pid_parent", {"--pid=parent"}},
        Case{"pid_self", {"--pid=self"}},
        Case{"pid_auto", {"--pid=auto"}},
        Case{"pid_twice", {"--pid=self", "--pid=parent"}},
        Case{"pid_number_missing", {"--pid=4194000"}},
        Case{"pid_garbage", {"--pid=abc"}},
        Case{"pid_zero", {"--pid=0"}},
        Case{"pid_no_block", {"--pid", "--no-block"}},
        Case{"uid_name", {"--uid=nobody", "--ready"}},
        Case{"uid_number", {"--uid=54321", "--ready"}},
        Case{"uid_unknown", {"--uid=no-such-user-here", "--ready"}},
        Case{"uid_with_pid", {"--uid=nobody", "--pid=self", "--ready"}},
        Case{"booted", {"--booted"}, set, false},
        Case{"booted_wins", {"--booted", "--ready"}, set, false},
        Case{"booted_with_assignment", {"--booted", "A=1"}, set, false},
        Case{"exec", {"--ready", "--exec", ";", "true"}},
        Case{"exec_with_assignments", {"--exec", "A=1", "B=2", ";", "true"}},
        Case{"exec_passes_exit_code", {"--ready", "--exec", ";", "sh", "-c", "exit 7"}},
        Case{"exec_command_options", {"--ready", "--exec", ";", "sh", "-c", "exit 0", "--ready"}},
        Case{"exec_double_dash", {"--ready", "--exec", ";", "--", "sh", "-c", "exit 7"}},
        Case{"exec_no_block", {"--no-block", "--ready", "--exec", ";", "true"}},
        Case{"exec_missing_separator", {"--ready", "--exec", "true"}},
        Case{"exec_empty_command", {"--ready", "--exec", ";"}},
        Case{"exec_no_message", {"--exec", ";", "true"}},
        Case{"exec_not_found", {"--ready", "--exec", ";", "/nonexistent/worker"}},
        Case{"separator_without_exec", {"--ready", ";", "true"}},
        Case{"fd", {"--fd=3"}, set, true, true},
        Case{"fd_ready", {"--ready", "--fd=3"}, set, true, true},
        Case{"fd_two", {"--fd=3", "--fd=4"}, set, true, true},
        Case{"fd_named", {"--fd=3", "--fd=4", "--fdname=store"}, set, true, true},
        Case{"fd_empty_name", {"--fd=3", "--fdname="}, set, true, true},
        Case{"fd_stdin", {"--fd=0"}, set, true, true},
        Case{"fd_not_passed", {"--fd=9"}, set, true, true},
        Case{"fd_twice", {"--fd=3", "--fd=3"}, set, true, true},
        Case{"fd_garbage", {"--fd=x3"}, set, true, true},
        Case{"fd_negative", {"--fd=-1"}, set, true, true},
        Case{"fdname_without_fd", {"--fdname=a", "--ready"}, set, true, true},
        Case{"fdname_invalid", {"--fd=3", "--fdname=a:b"}, set, true, true},
        Case{"fd_no_block", {"--no-block", "--fd=3"}, set, true, true},
        Case{"fd_closed_before_exec",
             {"--fd=3", "--exec", ";", "sh", "-c",
              "test -e /proc/self/fd/3 && exit 3; "
              "test -e /proc/self/fd/4 && exit 4; exit 0"},
             set,
             true,
             true},
        Case{"nothing", {}},
        Case{"help", {"--help"}, set, false},
        Case{"unknown_option", {"--ready", "--bogus"}},
        Case{"missing_argument", {"--status"}},
        Case{"unset_socket", {"--ready"}, Socket::unset},
        Case{"malformed_socket", {"--ready"}, Socket::malformed},
    };
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
