// EXTEND_TIMEOUT_USEC against the real broker (issue 11, finding 7): before,
// any admitted worker's request went upstream while the broker started, and
// 2^64-1 arrived as EXTEND_TIMEOUT_USEC=4611686018427387903, switching off
// systemd's TimeoutStartSec=. Now only a required worker that is not ready yet
// is heard, and capped by max_extend_timeout (5 min by default).

#include "support/broker_test.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

using ExtendTimeoutUpstream = BrokerTest;

constexpr const char* web_and_optional_cache = R"([[group]]
name = "web"
expect = 1
match = ["web-*"]

[[group]]
name = "cache"
expect = 1
required = false
match = ["cache-*"]
)";

TEST_F(ExtendTimeoutUpstream, NeverCarriesAnOptionalWorkersRequestWhileTheBrokerStarts) {
    BrokerOptions options;
    options.args = {"--status-interval", "1ms"};
    options.config = web_and_optional_cache;
    auto& broker = start_broker(options);
    auto cache = start_worker(broker.socket_path(),
                              {"X_WORKER=cache-1\nEXTEND_TIMEOUT_USEC=18446744073709551615",
                               "X_WORKER=cache-1\nSTATUS=warming"});
    ASSERT_TRUE(cache.wait_sent());
    // Both datagrams were applied and what they caused was sent before the
    // barriers were answered: everything upstream is in the socket now.
    ASSERT_TRUE(upstream_.wait_for(
        [](const std::string& d) { return d.find("warming") != std::string::npos; }, 5s))
        << "the broker never reported cache-1's status";
    drain_upstream();
    EXPECT_EQ(upstream_.count_prefix("EXTEND_TIMEOUT_USEC="), 0U);
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U) << "the broker must still be starting";
    expect_clean_exits(cache);
}

TEST_F(ExtendTimeoutUpstream, CarriesARequiredWorkersHugeRequestCappedAtMaxExtendTimeout) {
    BrokerOptions options;
    options.args = {"--status-interval", "1ms"};
    options.config = web_and_optional_cache;
    auto& broker = start_broker(options);
    auto web = start_worker(broker.socket_path(),
                            {"X_WORKER=web-1\nEXTEND_TIMEOUT_USEC=18446744073709551615"});
    ASSERT_TRUE(web.wait_sent());
    const auto extended = upstream_.wait_for(
        [](const std::string& d) { return d.find("EXTEND_TIMEOUT_USEC=") != std::string::npos; },
        5s);
    ASSERT_TRUE(extended) << "web-1's request never went upstream";
    EXPECT_TRUE(has_line(*extended, "EXTEND_TIMEOUT_USEC=300000000")) << printable(*extended);
    drain_upstream();
    EXPECT_EQ(upstream_.count_prefix("EXTEND_TIMEOUT_USEC="), 1U);
    expect_clean_exits(web);
}

} // namespace
} // namespace nb::test
