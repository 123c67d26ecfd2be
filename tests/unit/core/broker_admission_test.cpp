// Who gets in: keys with no meaning for a worker, policy, names, rate limits, max_workers, and the
// promise that nothing a worker sends becomes a line of its own upstream.
#include "core/worker_keys.hpp"
#include "harness.hpp"

#include <gmock/gmock.h>

namespace nb::core::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AKeyWithNoMeaningForAWorker : public ::testing::TestWithParam<const char*> {};

// Issue 13: systemd applies a datagram key by key; so does the broker. Until
// then these keys made the whole datagram a drop (forbidden-key).
TEST_P(AKeyWithNoMeaningForAWorker, IsIgnoredCountedAndTheRestApplies) {
    Harness h(pool_of(1));
    h.take();
    const std::string key = std::string(GetParam()).substr(0, std::string(GetParam()).find('='));
    const std::string datagram = std::string("READY=1\nSTATUS=hi\n") + GetParam();
    EXPECT_EQ(h.send(101, datagram), Verdict::accepted);
    EXPECT_EQ(h.broker.counts().known, 1U);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    const auto ignored = h.broker.ignored_keys();
    ASSERT_EQ(ignored.size(), 1U);
    EXPECT_EQ(ignored[0].row, worker_key(key).key);
    EXPECT_EQ(ignored[0].count, 1U);
    // Nothing of the worker's reaches upstream: not its key, not its value.
    for (const auto& sent : h.take()) {
        EXPECT_FALSE(value_of(sent, key).has_value()) << sent;
        EXPECT_THAT(sent, Not(HasSubstr(GetParam()))) << sent;
    }
}

INSTANTIATE_TEST_SUITE_P(FromAWorker, AKeyWithNoMeaningForAWorker,
                         ::testing::Values("NOTIFYACCESS=all", "FDSTORE=1", "FDSTOREREMOVE=1",
                                           "FDNAME=x", "FDPOLL=0", "RESTART_RESET=1",
                                           "X_SYSTEMD_UNIT_ACTIVE=1", "X_APP=1", "UNHEARD_OF=1"));

TEST(IgnoredKeys, AreCountedPerRowOfTheTable) {
    Harness h(pool_of(2));
    h.worker(1, "FDSTORE=1\nUNHEARD_OF=1");
    h.worker(2, "FDSTORE=1\nALSO_UNHEARD=1\nREADY=1");
    const auto ignored = h.broker.ignored_keys();
    ASSERT_EQ(ignored.size(), 2U);
    EXPECT_EQ(ignored[0].row, "FDSTORE");
    EXPECT_EQ(ignored[0].count, 2U);
    EXPECT_EQ(ignored[1].row, "*");
    EXPECT_EQ(ignored[1].count, 2U);
    EXPECT_EQ(h.broker.counts().ready, 1U);
}

TEST(AKeyWithNoMeaningForAWorkerFromABusCaller, IsRefusedSoTheCallerHearsOfIt) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.send_as(bus_sender(":1.4"), "READY=1\nFDSTORE=1"), Verdict::forbidden_key);
    EXPECT_EQ(h.send_as(bus_sender(":1.4"), "READY=1\nMAINPID=1"), Verdict::forbidden_key);
    EXPECT_EQ(h.broker.counts().known, 0U);
    EXPECT_EQ(h.send_as(bus_sender(":1.4"), "READY=1"), Verdict::accepted);
}

TEST(ABarrierWithCompany, IsRefusedWhole) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.send(101, "READY=1\nBARRIER=1"), Verdict::forbidden_key);
    EXPECT_EQ(h.broker.counts().known, 0U);
}

TEST(ALoneBarrier, IsAcceptedAndChangesNothing) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.send(101, "BARRIER=1"), Verdict::accepted);
    EXPECT_EQ(h.broker.counts().known, 0U);
}

TEST(AnInvalidWorkerName, IsRefused) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.send(101, "X_WORKER=web 1"), Verdict::invalid_name);
    EXPECT_EQ(h.send(101, "X_WORKER=" + std::string(65, 'a')), Verdict::invalid_name);
    EXPECT_EQ(h.send(101, "X_WORKER=w\xc3\xa9"), Verdict::invalid_name);
    EXPECT_EQ(h.send(101, "X_WORKER=a/b"), Verdict::invalid_name);
    EXPECT_EQ(h.send(101, "X_WORKER=" + std::string(64, 'a')), Verdict::accepted);
    EXPECT_EQ(h.send(102, "X_WORKER=web-1_a.b@c:d"), Verdict::accepted);
}

TEST(APolicy, RefusesSendersNoRuleMatches) {
    BrokerConfig config = pool_of(1);
    config.allow = {allow(1000)};
    Harness h(config);
    EXPECT_EQ(h.send_as(socket_sender(101, 1001), "READY=1"), Verdict::unauthorised);
    EXPECT_EQ(h.send_as(socket_sender(102, 1000), "READY=1"), Verdict::accepted);
}

TEST(APolicy, MatchesGidAndUnitGlobs) {
    BrokerConfig config = pool_of(1);
    config.allow = {allow({}, 50, "worker@*.service")};
    Harness h(config);
    EXPECT_EQ(h.send_as(socket_sender(101, 1, 50, "other.service"), "READY=1"),
              Verdict::unauthorised);
    EXPECT_EQ(h.send_as(socket_sender(102, 1, 51, "worker@1.service"), "READY=1"),
              Verdict::unauthorised);
    EXPECT_EQ(h.send_as(socket_sender(103, 1, 50, "worker@1.service"), "READY=1"),
              Verdict::accepted);
}

TEST(APolicy, LetsEachRuleClaimOnlyItsNames) {
    BrokerConfig config = pool_of(2);
    config.allow = {allow(1000, {}, {}, {"web-*"}), allow(2000, {}, {}, {"db-*"})};
    Harness h(config);
    EXPECT_EQ(h.send_as(socket_sender(101, 1000), "X_WORKER=web-1"), Verdict::accepted);
    EXPECT_EQ(h.send_as(socket_sender(102, 1000), "X_WORKER=db-1"), Verdict::name_denied);
    EXPECT_EQ(h.send_as(socket_sender(103, 2000), "X_WORKER=web-2"), Verdict::name_denied);
    // Without X_WORKER the implicit name must be allowed too.
    EXPECT_EQ(h.send_as(socket_sender(104, 2000), "READY=1"), Verdict::name_denied);
}

TEST(APolicy, CannotBeDodgedByTakingOverAnotherUsersName) {
    BrokerConfig config = pool_of(1);
    config.allow = {allow(1000, {}, {}, {"web-*"}), allow({}, {}, {}, {"guest-*"})};
    Harness h(config);
    h.send_as(socket_sender(101, 1000), "X_WORKER=web-1\nREADY=1");
    EXPECT_EQ(h.send_as(socket_sender(666, 4242), "X_WORKER=web-1"), Verdict::name_denied);
    EXPECT_EQ(h.broker.workers(h.now)[0].pid, 101);
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
}

TEST(ANameNoGroupMatches, IsRefused) {
    BrokerConfig config = pool_of(1);
    config.groups[0].match = {"web-*"};
    Harness h(config);
    EXPECT_EQ(h.send(101, "X_WORKER=cron"), Verdict::name_denied);
}

TEST(MaxWorkers, BoundsTheRegistryButNotMessagesFromKnownWorkers) {
    BrokerConfig config = pool_of(3);
    config.max_workers = 2;
    Harness h(config);
    EXPECT_EQ(h.worker(1, "STATUS=a"), Verdict::accepted);
    EXPECT_EQ(h.worker(2, "STATUS=a"), Verdict::accepted);
    EXPECT_EQ(h.worker(3, "STATUS=a"), Verdict::too_many_workers);
    EXPECT_EQ(h.worker(1, "READY=1"), Verdict::accepted);
    h.exit(102);
    EXPECT_EQ(h.worker(3, "STATUS=a"), Verdict::accepted);
}

TEST(RateLimiting, DropsAFloodingSendersExcessAndSparesOthers) {
    BrokerConfig config = pool_of(2);
    config.rate_limit = RateLimit{.burst = 10, .per_second = 5};
    Harness h(config);
    unsigned accepted = 0;
    for (int i = 0; i < 1000; ++i) {
        accepted += h.worker(1, "STATUS=spam " + std::to_string(i)) == Verdict::accepted;
    }
    EXPECT_EQ(accepted, 10U);
    EXPECT_EQ(h.worker(1, "READY=1"), Verdict::rate_limited);
    EXPECT_EQ(h.worker(2, "READY=1"), Verdict::accepted); // a quiet neighbour gets through
    h.advance(1s);
    accepted = 0;
    for (int i = 0; i < 100; ++i) {
        accepted += h.worker(1, "READY=1") == Verdict::accepted;
    }
    EXPECT_EQ(accepted, 5U); // refilled at 5 per second
}

TEST(RateLimiting, KeysBusCallersByTheirUniqueName) {
    BrokerConfig config = pool_of(2);
    config.rate_limit = RateLimit{.burst = 1, .per_second = 1};
    Harness h(config);
    EXPECT_EQ(h.send_as(bus_sender(":1.1"), "X_WORKER=a"), Verdict::accepted);
    EXPECT_EQ(h.send_as(bus_sender(":1.1"), "X_WORKER=a"), Verdict::rate_limited);
    EXPECT_EQ(h.send_as(bus_sender(":1.2"), "X_WORKER=b"), Verdict::accepted);
}

TEST(AFloodOfStatusChanges, ReachesSystemdAtMostOncePerInterval) {
    BrokerConfig config = pool_of(50);
    config.status_interval = 500ms;
    Harness h(config);
    for (int step = 0; step < 1000; ++step) {
        h.advance(10ms); // 10 s of traffic from 50 workers
        h.worker(static_cast<unsigned>(step % 50), "STATUS=step " + std::to_string(step));
    }
    h.advance(1s);
    EXPECT_LE(h.sent.size(), 1U + 10'000 / 500 + 1);
    EXPECT_EQ(h.last_status(), h.broker.status_text()); // the trailing flush told the end
}

void expect_single_lines(const Harness& h) {
    for (const auto& datagram : h.sent) {
        EXPECT_THAT(datagram, Not(HasSubstr("\nREADY=1"))) << datagram;
        EXPECT_THAT(datagram, Not(HasSubstr("\nMAINPID"))) << datagram;
        EXPECT_THAT(datagram, Not(HasSubstr("\r"))) << datagram;
        EXPECT_THAT(datagram, Not(HasSubstr("\x1b"))) << datagram;
    }
    EXPECT_EQ(h.count("READY"), 0U);
    EXPECT_EQ(h.count("MAINPID"), 0U);
}

TEST(WorkerText, WithControlCharactersIsFlattenedIntoOurOneLineStatus) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.worker(1, "STATUS=ok\x1b[31m\tx\xc2\x85y\xe2\x80\xa8z"), Verdict::accepted);
    expect_single_lines(h);
    EXPECT_EQ(h.last_status(), "0/1 workers ready; web-1 starting (ok [31m x y z)");
}

TEST(WorkerText, WithANewlineFromDBusIsRefusedOrFlattenedNeverForwarded) {
    Harness h(pool_of(1));
    // parse() splits a raw '\n', so this arrives the way the D-Bus layer builds
    // it: one assignment whose value holds the newline.
    auto message = proto::Message::from_assignments(std::vector<proto::Assignment>{
        {"X_WORKER", "web-1"}, {"STATUS", "ok\nREADY=1\nMAINPID=1"}});
    if (message.ok()) {
        EXPECT_EQ(h.broker.on_message(socket_sender(101), message.value(), h.now),
                  Verdict::accepted);
        h.drain();
        EXPECT_EQ(h.last_status(), "0/1 workers ready; web-1 starting (ok READY=1 MAINPID=1)");
    }
    expect_single_lines(h);
}

TEST(WorkerText, IsCutToMaxStatusLengthOnACodePointBoundary) {
    BrokerConfig config = pool_of(1);
    config.max_status_length = 5;
    Harness h(config);
    h.worker(1, "STATUS=ab\xc3\xa9\xc3\xa9"); // "abéé": 6 bytes
    EXPECT_EQ(h.broker.workers(h.now)[0].status, "ab\xc3\xa9");
}

TEST(AUnitName, WithOddBytesIsSanitisedInTheStatus) {
    Harness h(pool_of(1));
    h.send_as(socket_sender(101, 1, 1, "evil\nREADY=1.service"), "STATUS=x");
    EXPECT_EQ(h.count("READY"), 0U);
    EXPECT_EQ(h.last_status(), "0/1 workers ready; evil READY=1.service starting (x)");
}

} // namespace
} // namespace nb::core::testing

namespace nb::core::testing {
namespace {

TEST(RateLimiting, SaysWithoutTakingATokenWhetherASenderWouldBeRefused) {
    BrokerConfig config = pool_of(2);
    config.rate_limit = RateLimit{.burst = 2, .per_second = 1};
    Harness h(config);
    const Sender sender = socket_sender(101);
    for (int i = 0; i < 10; ++i) {
        EXPECT_FALSE(h.broker.would_rate_limit(sender, h.now)); // asking takes nothing
    }
    EXPECT_EQ(h.send(101, "STATUS=a"), Verdict::accepted);
    EXPECT_EQ(h.send(101, "STATUS=b"), Verdict::accepted);
    EXPECT_TRUE(h.broker.would_rate_limit(sender, h.now));
    EXPECT_EQ(h.send(101, "STATUS=c"), Verdict::rate_limited);
    EXPECT_FALSE(h.broker.would_rate_limit(socket_sender(102), h.now));
    h.advance(1s);
    EXPECT_FALSE(h.broker.would_rate_limit(sender, h.now));
    EXPECT_EQ(h.send(101, "STATUS=d"), Verdict::accepted);
}

TEST(TheWorkerTable, TellsTheShellWhichSendersAndNamesItTracks) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.send(101, "STOPPING=1"), Verdict::accepted); // goodbye before hello
    EXPECT_FALSE(h.broker.tracks(socket_sender(101)));
    EXPECT_EQ(h.send(102, "X_WORKER=web-1\nREADY=1"), Verdict::accepted);
    EXPECT_TRUE(h.broker.tracks(socket_sender(102)));
    EXPECT_TRUE(h.broker.tracks_name("web-1"));
    EXPECT_FALSE(h.broker.tracks_name("web-2"));
    h.exit(102);
    EXPECT_FALSE(h.broker.tracks(socket_sender(102)));
}

} // namespace
} // namespace nb::core::testing
