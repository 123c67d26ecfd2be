// Our client against the reference: libsystemd's sd_notify family (through
// nb-sd-sender) and Debian's systemd-notify send to the same kind of socket,
// and the proto parser must see the same model from their datagram and from
// our client's equivalent call.

#include <nb/client/environment.hpp>
#include <nb/client/notifier.hpp>
#include <nb/proto/message.hpp>
#include <nb/test/datagram_receiver.hpp>
#include <nb/test/process.hpp>
#include <nb/test/temp_dir.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include <unistd.h>

namespace nb::client {
namespace {

using namespace std::chrono_literals;
using test::DatagramReceiver;
using test::ProcessOptions;
using test::run_process;

std::vector<proto::Assignment> model_of(const std::string& datagram) {
    auto parsed = proto::Message::parse(datagram);
    EXPECT_TRUE(parsed) << datagram << ": " << (parsed ? "" : parsed.error().message);
    return parsed ? parsed->assignments() : std::vector<proto::Assignment>{};
}

class Interop : public ::testing::Test {
protected:
    test::TempDir dir;
    DatagramReceiver theirs{(dir / "theirs.sock").string()};
    DatagramReceiver ours{(dir / "ours.sock").string()};
    Notifier notifier{ours.address()};

    ProcessOptions to_theirs() const {
        ProcessOptions options;
        options.environment["NOTIFY_SOCKET"] = theirs.address();
        options.environment["MANAGERPID"] = std::nullopt;
        return options;
    }

    test::Datagram next(DatagramReceiver& receiver) {
        auto datagram = receiver.receive(5s);
        EXPECT_TRUE(datagram);
        return datagram ? std::move(*datagram) : test::Datagram{};
    }
};

class SdNotifyStates : public Interop, public ::testing::WithParamInterface<const char*> {};

TEST_P(SdNotifyStates, LibsystemdAndOurClientSendTheSameBytesAndModel) {
    const std::string state = GetParam();
    const auto sent = run_process({NB_SD_SENDER, "notify", state}, to_theirs());
    ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    ASSERT_TRUE(notifier.notify(state));
    const auto reference = next(theirs);
    const auto mine = next(ours);
    EXPECT_EQ(mine.data, reference.data);
    EXPECT_EQ(model_of(mine.data), model_of(reference.data));
    EXPECT_EQ(mine.fds.size(), reference.fds.size());
}

INSTANTIATE_TEST_SUITE_P(States, SdNotifyStates,
                         ::testing::Values("READY=1", "READY=1\nSTATUS=Serving 4 workers",
                                           "STATUS=caf\xc3\xa9 ok", "WATCHDOG=1",
                                           "WATCHDOG=trigger", "STOPPING=1", "ERRNO=5",
                                           "EXTEND_TIMEOUT_USEC=5000000", "X_WORKER=web-1\nREADY=1",
                                           "RELOADING=1\nMONOTONIC_USEC=123456789"));

TEST_F(Interop, ConvenienceCallsMatchTheTextAppsPassToSdNotify) {
    struct Pair {
        SendResult (*ours)(Notifier&);
        const char* reference;
    };
    const Pair pairs[] = {
        {[](Notifier& n) { return n.ready(); }, "READY=1"},
        {[](Notifier& n) { return n.status("3/4 ready"); }, "STATUS=3/4 ready"},
        {[](Notifier& n) { return n.stopping(); }, "STOPPING=1"},
        {[](Notifier& n) { return n.watchdog(); }, "WATCHDOG=1"},
        {[](Notifier& n) { return n.watchdog_trigger(); }, "WATCHDOG=trigger"},
        {[](Notifier& n) { return n.errno_(110); }, "ERRNO=110"},
        {[](Notifier& n) { return n.mainpid(77); }, "MAINPID=77"},
        {[](Notifier& n) { return n.extend_timeout(3s); }, "EXTEND_TIMEOUT_USEC=3000000"},
    };
    for (const auto& pair : pairs) {
        ASSERT_EQ(run_process({NB_SD_SENDER, "notify", pair.reference}, to_theirs()).exit_code, 0);
        ASSERT_TRUE(pair.ours(notifier));
        EXPECT_EQ(model_of(next(ours).data), model_of(next(theirs).data)) << pair.reference;
    }
}

TEST_F(Interop, DescriptorsArriveTheSameWayFromLibsystemdAndFromUs) {
    ASSERT_EQ(run_process({NB_SD_SENDER, "notify-fds", "3", "FDSTORE=1\nFDNAME=db"}, to_theirs())
                  .exit_code,
              0);
    const int fds[] = {STDIN_FILENO, STDIN_FILENO, STDIN_FILENO};
    ASSERT_TRUE(notifier.notify("FDSTORE=1\nFDNAME=db", fds));
    const auto reference = next(theirs);
    const auto mine = next(ours);
    EXPECT_EQ(mine.data, reference.data);
    EXPECT_EQ(mine.fds.size(), 3U);
    EXPECT_EQ(reference.fds.size(), 3U);
}

TEST_F(Interop, SdPidNotifyAndNotifyAsFakeTheSameCredentials) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "faking SCM_CREDENTIALS needs CAP_SYS_ADMIN";
    }
    // Both children claim to be us, their parent.
    const auto pid = std::to_string(getpid());
    ASSERT_EQ(run_process({NB_SD_SENDER, "pid-notify", pid, "READY=1"}, to_theirs()).exit_code, 0);
    ASSERT_TRUE(notifier.notify_as(getppid(), "READY=1"));
    const auto reference = next(theirs);
    const auto mine = next(ours);
    ASSERT_TRUE(reference.credentials && mine.credentials);
    EXPECT_EQ(reference.credentials->pid, getpid());
    EXPECT_EQ(mine.credentials->pid, getppid());
    EXPECT_EQ(mine.data, reference.data);
}

TEST_F(Interop, SdNotifyBarrierAndOurBarrierSendTheSameDatagramAndWaitForTheClose) {
    test::RunningProcess sender({NB_SD_SENDER, "barrier", "10000000"}, to_theirs());
    auto reference = next(theirs);
    EXPECT_EQ(reference.data, "BARRIER=1");
    EXPECT_EQ(reference.fds.size(), 1U);
    EXPECT_EQ(sender.wait(50ms), std::nullopt) << "libsystemd did not wait for the close";
    reference.fds.clear();
    EXPECT_EQ(sender.wait(10s), 0);

    auto waiting = std::async(std::launch::async, [&] { return notifier.barrier(10s); });
    auto mine = next(ours);
    EXPECT_EQ(mine.data, reference.data);
    EXPECT_EQ(mine.fds.size(), 1U);
    mine.fds.clear();
    EXPECT_TRUE(waiting.get().sent());
}

TEST_F(Interop, SystemdNotifyAndOurClientYieldTheSameModel) {
    const auto sent = run_process({NB_SYSTEMD_NOTIFY, "--no-block", "--ready",
                                   "--status=Serving 4 workers", "X_WORKER=web-1"},
                                  to_theirs());
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    ASSERT_TRUE(notifier.notify("READY=1\nSTATUS=Serving 4 workers\nX_WORKER=web-1"));
    const auto reference = next(theirs);
    EXPECT_EQ(model_of(next(ours).data), model_of(reference.data));
}

TEST_F(Interop, UnsetNotifySocketIsNotAnErrorForEither) {
    ProcessOptions unset;
    unset.environment["NOTIFY_SOCKET"] = std::nullopt;
    EXPECT_EQ(run_process({NB_SD_SENDER, "notify", "READY=1"}, unset).exit_code, 3);
    EXPECT_EQ(Notifier(std::string()).ready().status, SendResult::Status::unset);
}

TEST(WatchdogInterop, WatchdogEnabledAgreesWithLibsystemd) {
    struct Case {
        const char* usec;
        const char* pid; // "self" means the process asking
    };
    const Case cases[] = {{"30000000", nullptr}, {"0", nullptr},   {"abc", nullptr},
                          {"1000", "1"},         {"1000", "self"}, {nullptr, nullptr}};
    for (const auto& c : cases) {
        // nb-sd-sender execs in place, so its pid is the forked child's: "self" cannot
        // be spelled for it in advance; use a shell that execs it with WATCHDOG_PID=$$.
        ProcessOptions options;
        options.environment["WATCHDOG_USEC"] =
            c.usec ? std::optional<std::string>(c.usec) : std::nullopt;
        options.environment["WATCHDOG_PID"] = std::nullopt;
        std::vector<std::string> argv{NB_SD_SENDER, "watchdog-enabled"};
        if (c.pid != nullptr && std::string(c.pid) == "self") {
            argv = {"/bin/sh", "-c",
                    std::string("WATCHDOG_PID=$$ exec ") + NB_SD_SENDER + " watchdog-enabled"};
        } else if (c.pid != nullptr) {
            options.environment["WATCHDOG_PID"] = c.pid;
        }
        const auto reference = run_process(argv, options);
        const bool reference_enabled = reference.exit_code == 0;

        c.usec ? setenv("WATCHDOG_USEC", c.usec, 1) : unsetenv("WATCHDOG_USEC");
        const std::string self = std::to_string(getpid());
        if (c.pid == nullptr) {
            unsetenv("WATCHDOG_PID");
        } else {
            setenv("WATCHDOG_PID", std::string(c.pid) == "self" ? self.c_str() : c.pid, 1);
        }
        const auto mine = watchdog_enabled(true);
        EXPECT_EQ(mine.has_value(), reference_enabled)
            << (c.usec ? c.usec : "unset") << " pid " << (c.pid ? c.pid : "unset") << ": "
            << reference.out;
        if (mine && reference_enabled) {
            EXPECT_NE(reference.out.find("usec=" + std::to_string(mine->count())),
                      std::string::npos);
        }
    }
}

} // namespace
} // namespace nb::client
