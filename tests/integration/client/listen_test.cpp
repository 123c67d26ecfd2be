// `notify-broker listen` as systemd's side of the protocol: what it prints for
// our client, for systemd-notify and for libsystemd, and that it closes fds.

#include <nb/client/notifier.hpp>
#include <nb/test/datagram_receiver.hpp>
#include <nb/test/fd.hpp>
#include <nb/test/process.hpp>
#include <nb/test/temp_dir.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using nb::client::Notifier;
using nb::test::RunningProcess;

class Listen : public ::testing::Test {
protected:
    nb::test::TempDir dir;
    std::string address = (dir / "listen.sock").string();

    std::unique_ptr<RunningProcess> start(std::vector<std::string> extra = {}) {
        std::vector<std::string> argv{NB_CLI, "listen", "--socket=" + address};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto process = std::make_unique<RunningProcess>(argv);
        // The listener says so once it is bound: no guessing how long that takes.
        const auto line = process->read_error_line(10s);
        EXPECT_EQ(line, "Listening on " + address);
        return process;
    }
};

TEST_F(Listen, PrintsOneLineWithSenderAndAssignmentsPerNotification) {
    auto listener = start({"--count=1"});
    Notifier notifier(address);
    ASSERT_TRUE(notifier.notify("READY=1\nSTATUS=3/4 ready"));
    const auto line = listener->read_line(10s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find(" pid=" + std::to_string(getpid()) + " uid=" + std::to_string(geteuid())),
              std::string::npos)
        << *line;
    EXPECT_NE(line->find(" fds=0 READY=1 STATUS=\"3/4 ready\""), std::string::npos) << *line;
    EXPECT_EQ(listener->wait(10s), 0);
}

TEST_F(Listen, JsonPrintsOneObjectPerLine) {
    auto listener = start({"--json", "--count=2"});
    Notifier notifier(address);
    ASSERT_TRUE(notifier.status("a \"quoted\" word"));
    ASSERT_TRUE(notifier.watchdog());
    const auto first = listener->read_line(10s);
    const auto second = listener->read_line(10s);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->front(), '{');
    EXPECT_NE(first->find(R"("fields":{"STATUS":"a \"quoted\" word"}})"), std::string::npos)
        << *first;
    EXPECT_NE(second->find(R"("pid":)" + std::to_string(getpid())), std::string::npos);
    EXPECT_NE(second->find(R"("fields":{"WATCHDOG":"1"}})"), std::string::npos) << *second;
    EXPECT_EQ(listener->wait(10s), 0);
}

TEST_F(Listen, ReleasesABarrierOnlyAfterPrintingWhatCameBefore) {
    auto listener = start({"--count=2"});
    Notifier notifier(address);
    ASSERT_TRUE(notifier.ready());
    const auto barrier = notifier.barrier(10s);
    EXPECT_TRUE(barrier.sent()) << barrier.message();
    const auto ready = listener->read_line(10s);
    const auto barrier_line = listener->read_line(10s);
    ASSERT_TRUE(ready && barrier_line);
    EXPECT_NE(ready->find("READY=1"), std::string::npos);
    EXPECT_NE(barrier_line->find("fds=1 BARRIER=1"), std::string::npos) << *barrier_line;
}

TEST_F(Listen, ClosesEveryReceivedDescriptor) {
    auto listener = start({"--count=1"});
    int ends[2];
    ASSERT_EQ(pipe2(ends, O_CLOEXEC), 0);
    const nb::test::Fd read_end(ends[0]);
    nb::test::Fd write_end(ends[1]);
    const int fds[] = {write_end.get(), write_end.get(), write_end.get()};
    ASSERT_TRUE(Notifier(address).notify("FDSTORE=1", fds));
    write_end.reset();
    EXPECT_TRUE(listener->read_line(10s));
    pollfd entry{read_end.get(), 0, 0};
    ASSERT_EQ(poll(&entry, 1, 10000), 1) << "the listener kept a copy of the pipe";
    EXPECT_TRUE(entry.revents & POLLHUP);
}

TEST_F(Listen, ShowsWhatSystemdWouldDropAsInvalid) {
    auto listener = start({"--count=1"});
    ASSERT_TRUE(Notifier(address).notify("READY=1\nnot an assignment"));
    const auto line = listener->read_line(10s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find(" invalid="), std::string::npos) << *line;
    EXPECT_NE(line->find(R"(raw="READY=1\nnot an assignment")"), std::string::npos) << *line;
}

TEST_F(Listen, ExitOnReadyStopsAtTheFirstReady) {
    auto listener = start({"--exit-on-ready"});
    Notifier notifier(address);
    ASSERT_TRUE(notifier.status("starting"));
    ASSERT_TRUE(notifier.ready());
    EXPECT_EQ(listener->wait(10s), 0);
    EXPECT_TRUE(listener->read_line(1s));
    EXPECT_TRUE(listener->read_line(1s));
}

TEST_F(Listen, SystemdNotifyCompletesItsBarrierAgainstTheListener) {
    auto listener = start({"--count=2"});
    nb::test::ProcessOptions options;
    options.environment["NOTIFY_SOCKET"] = address;
    const auto sent = nb::test::run_process(
        {NB_SYSTEMD_NOTIFY, "--ready", "--status=via systemd-notify"}, options);
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    const auto line = listener->read_line(10s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find("READY=1 STATUS=\"via systemd-notify\""), std::string::npos) << *line;
    EXPECT_EQ(listener->wait(10s), 0);
}

TEST_F(Listen, AnAbstractSocketWorksAndTerminationIsClean) {
    address = nb::test::unique_abstract_address();
    auto listener = start();
    ASSERT_TRUE(Notifier(address).notify("X_HELLO=1"));
    EXPECT_TRUE(listener->read_line(10s));
    listener->kill(SIGTERM);
    EXPECT_EQ(listener->wait(10s), 0);
}

TEST_F(Listen, RemovesItsSocketFileOnExit) {
    auto listener = start({"--count=1"});
    ASSERT_EQ(access(address.c_str(), F_OK), 0);
    ASSERT_TRUE(Notifier(address).ready());
    EXPECT_EQ(listener->wait(10s), 0);
    EXPECT_NE(access(address.c_str(), F_OK), 0);
}

TEST_F(Listen, WithoutASocketItIsAUsageError) {
    const auto result = nb::test::run_process({NB_CLI, "listen"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--socket"), std::string::npos);
}

TEST_F(Listen, TimeoutEndsAQuietListenWithFailure) {
    auto listener = start({"--timeout=0.2"});
    EXPECT_EQ(listener->wait(10s), 1);
}

} // namespace
