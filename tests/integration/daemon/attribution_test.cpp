// A worker is attributed by the kernel: its uid from SCM_CREDENTIALS and its
// systemd unit from its cgroup. Here a worker moves itself into a cgroup named
// like a unit (as systemd would have put it there), and the policy and the
// status go by that unit.

#include "support/broker_test.hpp"
#include "support/unit_cgroup.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using Attribution = BrokerTest;

TEST_F(Attribution, AWorkerIsNamedAfterItsUnitAndThePolicyGoesByUnit) {
    TestCgroup cgroup("pool-worker@7.service");
    ASSERT_TRUE(cgroup.usable()) << "cannot create a cgroup under " << cgroup2_mount()
                                 << " (this test needs root and a writable cgroup2)";
    BrokerOptions options;
    options.args = {"--status-interval", "1ms"};
    options.config = "[[group]]\nname = \"pool\"\nexpect = 2\n\n"
                     "[[allow]]\nunit = \"pool-worker@*.service\"\n";
    auto& broker = start_broker(options);

    // Outside any such unit (this process), the same message is refused.
    ASSERT_TRUE(send_with_barrier(broker.socket_path(), {"STATUS=outsider"}));

    auto worker = start_worker(broker.socket_path(), {"STATUS=warming up"},
                               [&cgroup] { return cgroup.enter(); });
    const auto status = upstream_.wait_for(
        [](const std::string& d) {
            return d.find("pool-worker@7.service starting (warming up)") != std::string::npos;
        },
        5s);
    ASSERT_TRUE(status) << "no status naming the unit; last upstream: "
                        << printable(upstream_.history().back());
    EXPECT_EQ(upstream_.count_prefix("STATUS=0/2 workers ready; pid:"), 0U)
        << "the outsider was let in";
    ASSERT_TRUE(worker.wait_sent());

    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_NE(broker.log().find("unauthorised=1"), std::string::npos) << broker.log();
    expect_clean_exits(worker);
}

// The broker reads a unit as systemd does (the first component after the
// slices): a unit name somewhere below it is whatever the owner of that subtree
// chose to call a cgroup, so it must never pass for a system unit.
class UnitSpoofing : public BrokerTest {
protected:
    BrokerProcess& start() {
        BrokerOptions options;
        options.config = "[[group]]\nname = \"pool\"\nexpect = 1\n\n"
                         "[[allow]]\nunit = \"example-worker@*.service\"\n";
        return start_broker(options);
    }

    /// A worker in cgroup `path` sends READY=1; true if the broker relayed READY=1.
    bool ready_relayed_from(BrokerProcess& broker, const std::string& path) {
        TestCgroup cgroup(path);
        EXPECT_TRUE(cgroup.usable()) << "cannot create a cgroup under " << cgroup2_mount()
                                     << " (this test needs root and a writable cgroup2)";
        auto worker =
            start_worker(broker.socket_path(), {"READY=1"}, [&cgroup] { return cgroup.enter(); });
        EXPECT_TRUE(worker.wait_sent()) << "the worker in " << path << " could not report";
        // wait_sent() returns after the barrier: READY=1 would be upstream by now.
        const bool relayed =
            upstream_.wait_for_line("READY=1", std::chrono::milliseconds(200)).has_value();
        expect_clean_exits(worker);
        return relayed;
    }
};

TEST_F(UnitSpoofing, AUsersOwnUnitNamedLikeASystemUnitIsRefused) {
    // What `systemd-run --user --unit=example-worker@1` makes for uid 65534.
    auto& broker = start();
    EXPECT_FALSE(ready_relayed_from(
        broker, "user-65534.slice/user@65534.service/app.slice/example-worker@1.service"));
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_NE(broker.log().find("unauthorised=1"), std::string::npos) << broker.log();
}

TEST_F(UnitSpoofing, ACgroupDelegatedToAnotherServiceCannotNameASystemUnit) {
    auto& broker = start();
    EXPECT_FALSE(ready_relayed_from(broker, "db.service/example-worker@1.service"));
    EXPECT_EQ(broker.terminate(), 0);
    EXPECT_NE(broker.log().find("unauthorised=1"), std::string::npos) << broker.log();
}

TEST_F(UnitSpoofing, TheRealSystemUnitIsAdmitted) {
    // The control: the same worker in the unit's own cgroup is let in.
    auto& broker = start();
    EXPECT_TRUE(ready_relayed_from(broker, "system-example.slice/example-worker@1.service"));
}

} // namespace
} // namespace nb::test
