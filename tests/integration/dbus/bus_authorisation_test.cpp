// Authorisation by the uid the bus reports: callers run as uid 65534 (setpriv +
// busctl, real processes); the broker's allow rules decide, and the bus policy
// file of units/ is checked on a bus that denies by default like the system bus.

#include "broker_harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <sys/wait.h>
#include <unistd.h>

namespace nb::test {
namespace {

const std::vector<std::string> as_nobody = {"setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups"};

core::BrokerConfig allowing(uid_t uid, std::vector<std::string> names = {"*"}) {
    core::AllowRule rule;
    rule.uid = uid;
    rule.names = std::move(names);
    core::BrokerConfig config;
    config.status_interval = std::chrono::milliseconds(0);
    config.allow = {std::move(rule)};
    return config;
}

// dbus-send prints the error's message, which busctl replaces by strerror().
std::unique_ptr<LoopProcess> dbus_send_ready(BrokerHarness& h, const std::string& name) {
    std::vector<std::string> argv = as_nobody;
    argv.insert(argv.end(), {"dbus-send", "--bus=" + h.bus.address(), "--print-reply",
                             std::string("--dest=") + broker_name, broker_path,
                             std::string(broker_interface) + ".Ready", "string:" + name});
    auto child = std::make_unique<LoopProcess>();
    if (child->spawn(h.loop.get(), argv) == 0) {
        h.loop.run_until([&] { return child->exited(); });
    }
    return child;
}

bool known(BrokerHarness& h, const std::string& name) {
    const auto workers = h.broker.workers(h.clock());
    return std::any_of(workers.begin(), workers.end(),
                       [&](const auto& w) { return w.name == name; });
}

TEST(BusAuthorisation, ACallerWhoseUidNoRuleAdmitsGetsAccessDeniedFromTheBroker) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "switching to uid 65534 needs root";
    }
    BrokerHarness h(allowing(0));
    const auto upstream_before = h.upstream;

    auto nobody = dbus_send_ready(h, "web-1");
    EXPECT_NE(nobody->exit_status(), 0);
    EXPECT_NE(nobody->err().find("org.freedesktop.DBus.Error.AccessDenied"), std::string::npos)
        << nobody->err();
    // Our words, not sd-bus's generic "Access to ... not permitted": the call
    // reached the broker's policy, which refused uid 65534.
    EXPECT_NE(nobody->err().find("no allow rule admits uid 65534"), std::string::npos)
        << nobody->err();
    EXPECT_FALSE(known(h, "web-1"));
    EXPECT_EQ(h.upstream, upstream_before);

    auto root = h.call({"Ready", "s", "web-1"});
    EXPECT_EQ(root->exit_status(), 0) << root->err();
    EXPECT_TRUE(known(h, "web-1"));
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusAuthorisation, ANameTheRuleDoesNotAllowIsAccessDeniedAndAnAllowedOneIsTaken) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "switching to uid 65534 needs root";
    }
    BrokerHarness h(allowing(65534, {"web-*"}));

    auto denied = dbus_send_ready(h, "db-1");
    EXPECT_NE(denied->exit_status(), 0);
    EXPECT_NE(denied->err().find("org.freedesktop.DBus.Error.AccessDenied"), std::string::npos)
        << denied->err();
    EXPECT_NE(denied->err().find("may not report under that name"), std::string::npos)
        << denied->err();
    EXPECT_FALSE(known(h, "db-1"));

    auto allowed = h.call({"Ready", "s", "web-1"}, as_nobody);
    EXPECT_EQ(allowed->exit_status(), 0) << allowed->err();
    const auto workers = h.broker.workers(h.clock());
    ASSERT_EQ(workers.size(), 1U);
    EXPECT_EQ(workers.front().name, "web-1");
    EXPECT_EQ(workers.front().uid, 65534U);
    EXPECT_EQ(h.finish(), 0);
}

// Tries to own `name` as uid 65534 in a child; returns the D-Bus error name or "".
std::string own_as_nobody(const std::string& address, const std::string& name) {
    int fds[2];
    if (pipe(fds) != 0) {
        return "pipe failed";
    }
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::string result;
        if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) {
            result = "setresuid failed";
        } else {
            try {
                auto connection = sdbus::createSessionBusConnectionWithAddress(address);
                dbus::sdbus_seam::request_name(*connection, name);
            } catch (const sdbus::Error& e) {
                result = e.getName();
            }
        }
        const ssize_t ignored = write(fds[1], result.data(), result.size());
        static_cast<void>(ignored);
        _exit(0);
    }
    close(fds[1]);
    std::string result;
    char buf[256];
    ssize_t n = 0;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) {
        result.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    waitpid(pid, nullptr, 0);
    return result;
}

TEST(BusAuthorisation, ThePolicyFileLetsAnyUidCallButOnlyTheBrokersUserOwnTheName) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "switching to uid 65534 needs root";
    }
    PrivateBusOptions options;
    options.system_like = true;
    options.includes = {NB_DBUS_POLICY_FILE};
    BrokerHarness h(core::BrokerConfig{}, options);
    ASSERT_TRUE(h.service->connected()) << (h.log.empty() ? "" : h.log.back());

    auto call = h.call({"Ready", "s", "web-1"}, as_nobody);
    EXPECT_EQ(call->exit_status(), 0) << call->err();
    auto busctl = h.busctl(
        {"get-property", broker_name, broker_path, broker_interface, "ExpectedCount"}, as_nobody);
    EXPECT_EQ(busctl->out(), "u 1\n") << busctl->err();

    EXPECT_EQ(own_as_nobody(h.bus.address(), "org.notifybroker.Broker1.evil"),
              "org.freedesktop.DBus.Error.AccessDenied");
    EXPECT_EQ(h.finish(), 0);
}

// Issue 11, requirement 7: every bus user may read the pool's state and
// counts, the worker table (names, pids, uids, statuses) only root, the
// broker's own uid and the members of its group.
TEST(BusAuthorisation, Uid65534ReadsStateAndCountsButIsDeniedTheWorkerTableWhichRootReads) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "switching to uid 65534 needs root";
    }
    PrivateBusOptions options;
    options.system_like = true;
    options.includes = {NB_DBUS_POLICY_FILE};
    BrokerHarness h(allowing(0), options);
    ASSERT_TRUE(h.service->connected()) << (h.log.empty() ? "" : h.log.back());
    auto worker = h.client(); // stays on the bus: web-1 stays known
    ASSERT_EQ(worker->call(h.loop, "Ready", std::string("web-1")), "");

    for (const char* property : {"State", "ReadyCount", "ExpectedCount", "KnownCount"}) {
        auto get = h.busctl({"get-property", broker_name, broker_path, broker_interface, property},
                            as_nobody);
        EXPECT_EQ(get->exit_status(), 0) << property << ": " << get->err();
    }
    auto known_count = h.busctl(
        {"get-property", broker_name, broker_path, broker_interface, "KnownCount"}, as_nobody);
    EXPECT_EQ(known_count->out(), "u 1\n");

    // dbus-send prints the error's name and message.
    std::vector<std::string> argv = as_nobody;
    argv.insert(argv.end(), {"dbus-send", "--bus=" + h.bus.address(), "--print-reply",
                             std::string("--dest=") + broker_name, broker_path,
                             "org.freedesktop.DBus.Properties.Get",
                             std::string("string:") + broker_interface, "string:Workers"});
    LoopProcess workers;
    ASSERT_EQ(workers.spawn(h.loop.get(), argv), 0);
    h.loop.run_until([&] { return workers.exited(); });
    EXPECT_NE(workers.exit_status(), 0);
    EXPECT_NE(workers.err().find("org.freedesktop.DBus.Error.AccessDenied"), std::string::npos)
        << workers.err();
    EXPECT_EQ(workers.out().find("web-1"), std::string::npos) << workers.out();

    // GetAll still works for them (notify-broker status), with no table in it.
    auto get_all = h.busctl({"call", broker_name, broker_path, "org.freedesktop.DBus.Properties",
                             "GetAll", "s", broker_interface},
                            as_nobody);
    EXPECT_EQ(get_all->exit_status(), 0) << get_all->err();
    EXPECT_NE(get_all->out().find("\"KnownCount\" u 1"), std::string::npos) << get_all->out();
    EXPECT_NE(get_all->out().find("\"Workers\" a(sssuussts) 0"), std::string::npos)
        << get_all->out();

    auto as_root =
        h.busctl({"get-property", broker_name, broker_path, broker_interface, "Workers"});
    EXPECT_EQ(as_root->exit_status(), 0) << as_root->err();
    EXPECT_NE(as_root->out().find("\"web-1\""), std::string::npos) << as_root->out();
    worker.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusAuthorisation, WithoutThePolicyFileADenyByDefaultBusKeepsTheNameFromTheBroker) {
    PrivateBusOptions options;
    options.system_like = true; // the control for the test above: no <include>
    BrokerHarness h(core::BrokerConfig{}, options);
    EXPECT_FALSE(h.service->connected());
    ASSERT_FALSE(h.log.empty());
    EXPECT_NE(h.log.front().find("cannot serve"), std::string::npos) << h.log.front();
    EXPECT_EQ(h.finish(), 0);
}

} // namespace
} // namespace nb::test
