// The real notify-brokerd on a real private bus, with socket workers
// (systemd-notify), D-Bus workers (sdbus-c++ connections) and the real
// notify-broker CLI reading it back (status, workers, watch; --json checked by
// Python's json module, a parser we did not write).

#include "broker_harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

// Sees a well-known name get (or lose) its owner, on the test loop.
class NameWatch {
public:
    NameWatch(uv_loop_t* loop, const std::string& address, const std::string& name)
        : connection_(sdbus::createSessionBusConnectionWithAddress(address)) {
        match_ = dbus::sdbus_seam::add_match(
            *connection_,
            "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" + name +
                "'",
            [this](sdbus::Message& m) {
                std::string n, old_owner, new_owner;
                m >> n >> old_owner >> new_owner;
                owned_ = !new_owner.empty();
            });
        pump_ = std::make_unique<dbus::BusPump>(loop, *connection_, nullptr);
    }
    ~NameWatch() {
        pump_.reset();
        match_.reset();
    }
    [[nodiscard]] bool owned() const noexcept { return owned_; }

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    sdbus::Slot match_;
    std::unique_ptr<dbus::BusPump> pump_;
    bool owned_ = false;
};

class DaemonOverDbus : public ::testing::Test {
protected:
    void SetUp() override {
        names_ = std::make_unique<NameWatch>(loop.get(), bus.address(), broker_name);
        ASSERT_EQ(daemon.spawn(loop.get(),
                               {NB_BROKERD, "--bus=" + bus.address(),
                                std::string("--bus-name=") + broker_name, "--socket=" + socket(),
                                "--expect=3", "--status-interval=50ms", "--log-level=info"},
                               {"NOTIFY_SOCKET="}),
                  0);
        ASSERT_TRUE(loop.run_until([&] { return names_->owned() || daemon.exited(); }))
            << daemon.err();
        ASSERT_TRUE(names_->owned()) << daemon.err();
    }
    void TearDown() override {
        daemon.kill(SIGTERM);
        EXPECT_TRUE(loop.run_until([&] { return daemon.exited(); }));
        EXPECT_EQ(daemon.exit_status(), 0) << daemon.err();
        names_.reset();
        EXPECT_EQ(loop.drain_and_close(), 0);
    }

    std::string socket() const { return bus.directory() + "/notify.sock"; }

    std::unique_ptr<LoopProcess> run(std::vector<std::string> argv,
                                     std::vector<std::string> env = {}) {
        auto child = std::make_unique<LoopProcess>();
        EXPECT_EQ(child->spawn(loop.get(), std::move(argv), std::move(env)), 0);
        loop.run_until([&] { return child->exited(); });
        return child;
    }
    std::unique_ptr<LoopProcess> socket_worker(const std::string& name) {
        return run({"systemd-notify", "--ready", "X_WORKER=" + name},
                   {"NOTIFY_SOCKET=" + socket()});
    }
    std::vector<std::string> cli(const std::string& command) {
        return {NB_CLI, command, "--bus=" + bus.address(),
                std::string("--bus-name=") + broker_name};
    }
    // `notify-broker COMMAND --json | python3 -c EXPRESSION` with d = the JSON.
    std::string json_query(const std::string& command, const std::string& expression) {
        // No quoting games: the command comes as "$@", the script through the env.
        std::vector<std::string> argv = {"/bin/sh", "-c", "\"$@\" | /usr/bin/python3 -c \"$NB_PY\"",
                                         "sh"};
        for (const auto& a : cli(command)) {
            argv.push_back(a);
        }
        argv.emplace_back("--json");
        auto child =
            run(argv, {"NB_PY=import json,sys; d=json.load(sys.stdin); print(" + expression + ")"});
        EXPECT_EQ(child->exit_status(), 0) << child->err();
        std::string out = child->out();
        while (!out.empty() && out.back() == '\n') {
            out.pop_back();
        }
        return out;
    }

    PrivateBus bus;
    TestLoop loop;
    LoopProcess daemon;
    std::unique_ptr<NameWatch> names_;
};

TEST_F(DaemonOverDbus, SocketAndDbusWorkersMixedGiveOneConsistentCount) {
    auto sock = socket_worker("sock-1");
    EXPECT_EQ(sock->exit_status(), 0) << sock->err();
    BusClient dbus_worker(loop.get(), bus.address());
    EXPECT_EQ(dbus_worker.call(loop, "Ready", std::string("dbus-1")), "");

    EXPECT_EQ(json_query("status", "d['ready'], d['expected'], d['known'], d['state']"),
              "2 3 2 starting");
    EXPECT_EQ(json_query("workers", "sorted((w['name'], w['source'], w['state']) for w in d)"),
              "[('dbus-1', 'dbus', 'ready'), ('sock-1', 'socket', 'ready')]");

    auto text = run(cli("workers"));
    EXPECT_EQ(text->exit_status(), 0) << text->err();
    EXPECT_EQ(text->out().rfind("NAME", 0), 0U) << text->out();
    EXPECT_NE(text->out().find("dbus-1"), std::string::npos);

    // The third worker (over D-Bus) makes the pool ready: READY=1 upstream.
    BusClient third(loop.get(), bus.address());
    EXPECT_EQ(third.call(loop, "Ready", std::string("dbus-2")), "");
    EXPECT_TRUE(loop.run_until([&] {
        return daemon.err().find("upstream (no NOTIFY_SOCKET): READY=1") != std::string::npos;
    })) << daemon.err();
    EXPECT_EQ(json_query("status", "d['ready'], d['state']"), "3 ready");
}

TEST_F(DaemonOverDbus, WorkersShowsWhatASocketWorkerSaidWentWrongInTextAndJson) {
    auto ok = socket_worker("sock-ok");
    EXPECT_EQ(ok->exit_status(), 0) << ok->err();
    auto failed = run({"systemd-notify", "ERRNO=13", "EXIT_STATUS=3", "X_WORKER=sock-bad"},
                      {"NOTIFY_SOCKET=" + socket()});
    EXPECT_EQ(failed->exit_status(), 0) << failed->err();
    // The broker has the datagram once its STATUS= upstream names the failure.
    ASSERT_TRUE(loop.run_until([&] {
        return daemon.err().find("errno 13, exit status 3") != std::string::npos;
    })) << daemon.err();
    EXPECT_EQ(json_query("workers", "[w['failure'] for w in d if w['name'] == 'sock-bad']"),
              "['errno 13, exit status 3']");
    EXPECT_EQ(json_query("workers", "[w['failure'] for w in d if w['name'] == 'sock-ok']"), "['']");

    auto text = run(cli("workers"));
    EXPECT_EQ(text->exit_status(), 0) << text->err();
    EXPECT_NE(text->out().find("FAILURE"), std::string::npos) << text->out();
    EXPECT_NE(text->out().find("errno 13, exit status 3"), std::string::npos) << text->out();
}

TEST_F(DaemonOverDbus, WorkersTellsAnOrdinaryUserTheTableIsNotForThemWhileStatusWorks) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "switching to uid 65534 needs root";
    }
    BusClient dbus_worker(loop.get(), bus.address());
    ASSERT_EQ(dbus_worker.call(loop, "Ready", std::string("dbus-1")), "");
    const std::vector<std::string> as_nobody = {"setpriv", "--reuid=65534", "--regid=65534",
                                                "--clear-groups"};
    auto with = [&](const std::string& command) {
        std::vector<std::string> argv = as_nobody;
        for (const auto& a : cli(command)) {
            argv.push_back(a);
        }
        return argv;
    };

    auto status = run(with("status"));
    EXPECT_EQ(status->exit_status(), 0) << status->err();
    EXPECT_NE(status->out().find("1 known"), std::string::npos) << status->out();

    auto workers = run(with("workers"));
    EXPECT_EQ(workers->exit_status(), 1);
    EXPECT_EQ(workers->out(), "");
    EXPECT_NE(workers->err().find("does not show its worker table to this user"), std::string::npos)
        << workers->err();
    EXPECT_EQ(workers->err().find("dbus-1"), std::string::npos) << workers->err();

    auto as_root = run(cli("workers"));
    EXPECT_EQ(as_root->exit_status(), 0) << as_root->err();
    EXPECT_NE(as_root->out().find("dbus-1"), std::string::npos) << as_root->out();
}

TEST_F(DaemonOverDbus, WatchPrintsTheStateThenALinePerChange) {
    LoopProcess watch;
    auto argv = cli("watch");
    argv.insert(argv.end(), {"--json", "--count=1", "--timeout=10"});
    ASSERT_EQ(watch.spawn(loop.get(), argv), 0);
    // Its first line is the state now: then it is subscribed.
    ASSERT_TRUE(loop.run_until([&] { return watch.out().find('\n') != std::string::npos; }))
        << watch.err();
    EXPECT_NE(watch.out().find("\"ready\":0"), std::string::npos) << watch.out();

    BusClient worker(loop.get(), bus.address());
    EXPECT_EQ(worker.call(loop, "Ready", std::string("dbus-1")), "");
    ASSERT_TRUE(loop.run_until([&] { return watch.exited(); }));
    EXPECT_EQ(watch.exit_status(), 0) << watch.err();

    // Both lines are JSON; the second carries the change.
    const std::string lines = watch.out();
    auto check = run({"/usr/bin/python3", "-c",
                      "import json,sys\n"
                      "lines=[json.loads(l) for l in sys.argv[1].splitlines()]\n"
                      "print(len(lines), lines[1]['ready'], 'ReadyCount' in lines[1]['changed'],"
                      " [w['name'] for w in lines[1]['workers']])",
                      lines});
    EXPECT_EQ(check->out(), "2 1 True ['dbus-1']\n") << check->err() << lines;
}

TEST_F(DaemonOverDbus, StatusTellsWhyWhenTheBrokerIsNotOnTheBus) {
    auto argv = cli("status");
    argv[3] = "--bus-name=org.notifybroker.Broker1.absent";
    auto status = run(argv);
    EXPECT_EQ(status->exit_status(), 1);
    EXPECT_NE(status->err().find("cannot reach org.notifybroker.Broker1.absent"), std::string::npos)
        << status->err();
}

long context_switches(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    long total = 0;
    for (std::string line; std::getline(status, line);) {
        if (line.find("ctxt_switches:") != std::string::npos) {
            total += std::stol(line.substr(line.find(':') + 1));
        }
    }
    return total;
}

TEST_F(DaemonOverDbus, AnIdleBrokerOnTheBusDoesNotWakeUp) {
    BusClient worker(loop.get(), bus.address());
    EXPECT_EQ(worker.call(loop, "Ready", std::string("dbus-1")), "");
    // Let the trailing PropertiesChanged and STATUS go out, then watch it sleep:
    // no sd-bus timeout, no flush timer, no retry timer may tick while idle.
    loop.run_until([] { return false; }, 300ms);
    const long before = context_switches(daemon.pid());
    loop.run_until([] { return false; }, 700ms);
    EXPECT_EQ(context_switches(daemon.pid()), before) << "the broker woke up while idle";
}

} // namespace
} // namespace nb::test
