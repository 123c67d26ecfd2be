#include "cli_compat_cases.hpp"

#include "pidfd_id.hpp"

#include <nb/test/process.hpp>

#include <string>
#include <vector>

#include <unistd.h>

namespace nb::test::cli_compat {

void PrintTo(const Case& c, std::ostream* out) {
    *out << c.name;
}

// --- the differences from 252 (each is 257's behaviour; see send_command.cpp) ---

static std::string with_who(const std::string& datagram, const std::string& who) {
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
static Datagrams adds_mainpidfdid(Datagrams reference) {
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
static Datagrams exit_status(Datagrams reference, int code) {
    std::string who = "tool uid=" + std::to_string(getuid()) + " gid=" + std::to_string(getgid());
    reference.push_back(who + " fds=0 | EXIT_STATUS=" + std::to_string(code));
    return reference;
}
Datagrams adds_exit_status_1(Datagrams reference) {
    return exit_status(std::move(reference), 1);
}
static Datagrams adds_exit_status_0(Datagrams reference) {
    return exit_status(std::move(reference), 0);
}
static Datagrams adds_exit_status_of_booted(Datagrams reference) {
    return exit_status(std::move(reference), nb::test::run_process({NB_CLI, "--booted"}).exit_code);
}

// 257 pins --pid= with a pidfd when parsing: a pid that does not exist is
// refused (ESRCH) instead of being sent.
static Datagrams refuses_missing_pid(Datagrams) {
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

} // namespace nb::test::cli_compat
