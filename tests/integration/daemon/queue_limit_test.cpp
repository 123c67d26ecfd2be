// The worker socket's queue limit (net.unix.max_dgram_qlen when the socket is
// created): the broker warns at start-up when it is below 64, because the next
// worker then blocks inside sd_notify() while the broker restarts or stalls.
// Each broker runs in a network namespace of its own with the value set there,
// so the host's setting is neither read nor changed.

#include "support/activated_socket.hpp"
#include "support/broker_test.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace nb::test {
namespace {

constexpr const char* warning_text = "net.unix.max_dgram_qlen is 10 in this network namespace";

class TheBrokerAtStartUp : public BrokerTest {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_FAIL() << "needs root: the broker runs in a network namespace of its own "
                            "(unshare --net) to set net.unix.max_dgram_qlen there";
        }
    }
};

TEST_F(TheBrokerAtStartUp, WarnsWhenItsSocketCanQueueOnlyTenDatagrams) {
    BrokerOptions options;
    options.network_namespace_queue_limit = 10;
    auto& broker = start_broker(options);
    const auto log = broker.log();
    EXPECT_NE(log.find(std::string("<4>") + warning_text), std::string::npos) << log;
    EXPECT_NE(log.find("blocks inside sd_notify()"), std::string::npos) << log;
}

TEST_F(TheBrokerAtStartUp, SaysNothingAboutTheQueueWhenItHolds512) {
    BrokerOptions options;
    options.network_namespace_queue_limit = 512;
    auto& broker = start_broker(options);
    const auto log = broker.log();
    EXPECT_EQ(log.find("max_dgram_qlen"), std::string::npos) << log;
}

TEST_F(TheBrokerAtStartUp, SaysItCannotKnowTheLimitOfASocketFromAnotherNamespace) {
    // As notify-brokerd.socket does for the PrivateNetwork= service: the socket
    // is created here, outside the broker's namespace, and passed in.
    const ActivatedSocket socket(dir_.file("activated.sock"));
    BrokerOptions options;
    options.network_namespace_queue_limit = 10;
    auto& broker = start_broker_on(socket, options);
    const auto log = broker.log();
    EXPECT_NE(log.find("<6>the worker socket's queue limit is unknown here"), std::string::npos)
        << log;
    EXPECT_EQ(log.find(warning_text), std::string::npos) << log;
}

} // namespace
} // namespace nb::test
