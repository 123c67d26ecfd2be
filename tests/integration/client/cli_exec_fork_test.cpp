// notify-broker --exec (the reporting process becomes the worker) and --fork
// (systemd-notify 258, which Debian 13 does not ship: checked against the rules
// of its man page and source, not against a peer), on real processes.

#include <nb/test/datagram_receiver.hpp>
#include <nb/test/process.hpp>
#include <nb/test/temp_dir.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using namespace std::chrono_literals;

// A command for the forked child that reports READY=1 as itself (the child is
// notify-broker, which then becomes `sleep`, so the child outlives --fork).
std::vector<std::string> ready_child() {
    // (sleep's stderr on /dev/null: it would hold our stderr pipe open.)
    return {NB_CLI, "--ready", "--pid=self", "--no-block", "--exec",
            ";",    "--",      "sh",         "-c",         "exec sleep 30 2>/dev/null"};
}

nb::test::ProcessResult run_fork(std::vector<std::string> options,
                                 const std::vector<std::string>& command) {
    std::vector<std::string> argv{NB_CLI};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.emplace_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    nb::test::ProcessOptions process;
    process.environment["NOTIFY_SOCKET"] = std::nullopt;
    process.timeout = 20s;
    return nb::test::run_process(argv, process);
}

// The printed pid, if it is one line of digits.
pid_t printed_pid(const std::string& out) {
    if (out.size() < 2 || out.back() != '\n' ||
        out.find_first_not_of("0123456789") != out.size() - 1) {
        return 0;
    }
    return static_cast<pid_t>(std::stol(out));
}

TEST(CliExec, TheProcessThatReportsReadyBecomesTheWorker) {
    // As under systemd --user (our parent is the manager), so it sends as
    // itself; the worker then prints its pid: the sender's.
    nb::test::TempDir dir;
    nb::test::DatagramReceiver receiver((dir / "notify.sock").string());
    nb::test::ProcessOptions options;
    options.environment["NOTIFY_SOCKET"] = receiver.address();
    options.environment["MANAGERPID"] = std::to_string(getpid());
    nb::test::RunningProcess tool({NB_CLI, "--ready", "--no-block", "--exec", ";", "--", "sh", "-c",
                                   "echo $$; exec sleep 30"},
                                  options);
    const auto datagram = receiver.receive(10s);
    ASSERT_TRUE(datagram) << "no READY=1 within 10 s";
    EXPECT_EQ(datagram->data, "READY=1");
    ASSERT_TRUE(datagram->credentials);
    const auto line = tool.read_line(10s);
    ASSERT_TRUE(line) << "the worker printed no pid";
    EXPECT_EQ(*line, std::to_string(datagram->credentials->pid));
    EXPECT_EQ(datagram->credentials->pid, tool.pid());
}

TEST(CliFork, PrintsTheChildsPidAndExitsOnceTheChildIsReady) {
    const auto result = run_fork({"--fork"}, ready_child());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const pid_t child = printed_pid(result.out);
    ASSERT_GT(child, 0) << "stdout: " << result.out;
    EXPECT_EQ(::kill(child, 0), 0) << "the child must keep running after --fork returns";
    ::kill(child, SIGKILL); // reparented: init reaps it
}

TEST(CliFork, QuietPrintsNothing) {
    for (const char* quiet : {"-q", "--quiet"}) {
        const auto result = run_fork({"--fork", quiet}, {"true"});
        EXPECT_EQ(result.exit_code, 0) << quiet << ": " << result.err;
        EXPECT_EQ(result.out, "") << quiet;
    }
}

TEST(CliFork, AChildThatFailsBeforeReadyGivesItsExitCode) {
    const auto result = run_fork({"--fork"}, {"sh", "-c", "exit 3"});
    EXPECT_EQ(result.exit_code, 3) << result.err;
    EXPECT_GT(printed_pid(result.out), 0) << result.out;
}

TEST(CliFork, AChildThatExitsCleanlyBeforeReadyIsASuccess) {
    const auto result = run_fork({"--fork", "-q"}, {"true"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST(CliFork, AChildKilledBeforeReadyIsAFailure) {
    const auto result = run_fork({"--fork", "-q"}, {"sh", "-c", "kill -9 $$"});
    EXPECT_EQ(result.exit_code, 1) << result.err;
}

TEST(CliFork, ACommandThatCannotBeExecutedExitsWithEXIT_EXEC) {
    const auto result = run_fork({"--fork", "-q"}, {"/nonexistent/worker"});
    EXPECT_EQ(result.exit_code, 203) << result.err;
    EXPECT_NE(result.err.find("Failed to execute '/nonexistent/worker'"), std::string::npos)
        << result.err;
}

TEST(CliFork, ReadyFromAnotherProcessThanTheChildIsIgnored) {
    // A grandchild reports as itself: not the child, so --fork waits on and
    // ends with the child's exit code.
    const auto result =
        run_fork({"--fork", "-q"},
                 {"sh", "-c", std::string(NB_CLI) + " --ready --pid=self --no-block; exit 4"});
    EXPECT_EQ(result.exit_code, 4) << result.err;
    EXPECT_NE(result.err.find("unexpected process"), std::string::npos) << result.err;
}

TEST(CliFork, TheChildGetsItsOwnNotifySocketAndDevNullAsStdout) {
    // The child writes to stdout (which is /dev/null) and reports through the
    // NOTIFY_SOCKET it was given; ours stays unset.
    const auto result = run_fork(
        {"--fork"},
        {"sh", "-c",
         "echo noise; test -n \"$NOTIFY_SOCKET\" || exit 9; exec " + std::string(NB_CLI) +
             " --ready --pid=self --no-block --exec ';' -- sh -c 'exec sleep 30 2>/dev/null'"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const pid_t child = printed_pid(result.out);
    ASSERT_GT(child, 0) << "stdout: " << result.out;
    ::kill(child, SIGKILL);
}

TEST(CliFork, RefusesNoCommandAndNotifyOptions) {
    nb::test::ProcessOptions process;
    process.environment["NOTIFY_SOCKET"] = std::nullopt;
    EXPECT_EQ(nb::test::run_process({NB_CLI, "--fork"}, process).exit_code, 1);
    const auto combined =
        nb::test::run_process({NB_CLI, "--fork", "--ready", "--", "true"}, process);
    EXPECT_EQ(combined.exit_code, 1);
    EXPECT_NE(combined.err.find("may not be combined with --fork"), std::string::npos)
        << combined.err;
}

TEST(CliFork, ForwardsTerminationSignalsToTheChild) {
    // The child ends on SIGTERM with 5 once its trap is set (it says so on the
    // notify socket's other side: stderr), so we signal --fork only then.
    nb::test::ProcessOptions process;
    process.environment["NOTIFY_SOCKET"] = std::nullopt;
    nb::test::RunningProcess tool(
        {NB_CLI, "--fork", "-q", "--", "sh", "-c",
         "trap 'exit 5' TERM; echo trapped >&2; while :; do sleep 0.1; done"},
        process);
    const auto line = tool.read_error_line(10s);
    ASSERT_EQ(line, std::optional<std::string>("trapped"));
    tool.kill(SIGTERM);
    EXPECT_EQ(tool.wait(10s), std::optional<int>(5));
}

} // namespace
