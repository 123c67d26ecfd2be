// BusService on a real private dbus-daemon over a real core::Broker: calls from
// real clients (busctl, sdbus-c++ proxies) change the broker as datagrams would.

#include "broker_harness.hpp"

#include <nb/proto/message.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>

#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

core::BrokerConfig pool_of(unsigned expected) {
    core::BrokerConfig config;
    config.groups.front().expected = expected;
    config.status_interval = 0ms;
    return config;
}

const core::WorkerInfo* find_worker(const std::vector<core::WorkerInfo>& workers,
                                    const std::string& name) {
    const auto it =
        std::find_if(workers.begin(), workers.end(), [&](const auto& w) { return w.name == name; });
    return it == workers.end() ? nullptr : &*it;
}

TEST(BusService, ReadyFromBusctlCountsTheCallerAsAReadyDbusWorker) {
    BrokerHarness h(pool_of(2));
    ASSERT_TRUE(h.service->connected());

    auto busctl = h.call({"Ready", "s", "web-1"});
    EXPECT_EQ(busctl->exit_status(), 0) << busctl->err();

    // busctl's connection ends with the process: ready, then gone.
    EXPECT_NE(std::find(h.upstream.begin(), h.upstream.end(), "STATUS=1/2 workers ready"),
              h.upstream.end());
    const auto workers = h.broker.workers(h.clock());
    const auto* web1 = find_worker(workers, "web-1");
    ASSERT_NE(web1, nullptr);
    EXPECT_EQ(web1->source, core::Source::dbus);
    EXPECT_EQ(web1->uid, 0U);
    EXPECT_GT(h.after_changes, 0);
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, MethodCallsChangeTheBrokerExactlyAsTheEquivalentDatagrams) {
    const core::TimePoint t0 = std::chrono::steady_clock::now();
    BrokerHarness h(pool_of(2), {}, [&] { return t0; });
    core::Broker reference(pool_of(2), core::UpstreamContext{}, t0);
    std::vector<std::string> reference_upstream = reference.take_outbox();
    // One connection per worker, as one socket sender (pid) per worker.
    auto client1 = h.client();
    auto client2 = h.client();
    const core::Sender socket1{core::Source::socket, 1001, getuid(), getgid(), "", ""};
    const core::Sender socket2{core::Source::socket, 1002, getuid(), getgid(), "", ""};

    struct Step {
        std::function<std::string()> over_dbus;
        std::string datagram;
        const core::Sender& sender;
    };
    const std::vector<Step> steps = {
        {[&] { return client1->call(h.loop, "Ready", std::string("web-1")); },
         "READY=1\nX_WORKER=web-1", socket1},
        {[&] {
             return client1->call(h.loop, "SetStatus", std::string("web-1"),
                                  std::string("warming up: 50% \\ done"));
         },
         "STATUS=warming up: 50% \\\\ done\nX_WORKER=web-1", socket1},
        {[&] {
             return client2->call(
                 h.loop, "Notify", std::string("web-2"),
                 std::map<std::string, std::string>{{"READY", "1"}, {"STATUS", "serving"}});
         },
         "READY=1\nSTATUS=serving\nX_WORKER=web-2", socket2},
        {[&] { return client1->call(h.loop, "WatchdogPing", std::string("web-1")); },
         "WATCHDOG=1\nX_WORKER=web-1", socket1},
        {[&] { return client2->call(h.loop, "Stopping", std::string("web-2")); },
         "STOPPING=1\nX_WORKER=web-2", socket2},
    };
    for (const auto& step : steps) {
        SCOPED_TRACE(step.datagram);
        EXPECT_EQ(step.over_dbus(), "");
        auto message = proto::Message::parse(step.datagram);
        ASSERT_TRUE(message.ok()) << message.error().message;
        EXPECT_EQ(reference.on_message(step.sender, *message, t0), core::Verdict::accepted);
        for (auto& d : reference.take_outbox()) {
            reference_upstream.push_back(std::move(d));
        }

        EXPECT_EQ(h.upstream, reference_upstream);
        EXPECT_EQ(h.broker.state(), reference.state());
        EXPECT_EQ(h.broker.counts().ready, reference.counts().ready);
        EXPECT_EQ(h.broker.counts().known, reference.counts().known);
        EXPECT_EQ(h.broker.status_text(), reference.status_text());
        auto over_bus = h.broker.workers(t0);
        auto over_socket = reference.workers(t0);
        ASSERT_EQ(over_bus.size(), over_socket.size());
        for (std::size_t i = 0; i < over_bus.size(); ++i) {
            EXPECT_EQ(over_bus[i].source, core::Source::dbus);
            EXPECT_EQ(over_bus[i].name, over_socket[i].name);
            EXPECT_EQ(over_bus[i].state, over_socket[i].state);
            EXPECT_EQ(over_bus[i].status, over_socket[i].status);
        }
    }
    client1.reset();
    client2.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, PropertiesReportStateCountsStatusAndTheWorkerTable) {
    BrokerHarness h(pool_of(2));
    EXPECT_EQ(h.property("State"), "s \"starting\"");
    EXPECT_EQ(h.property("ReadyCount"), "u 0");
    EXPECT_EQ(h.property("ExpectedCount"), "u 2");

    auto client1 = h.client();
    auto client2 = h.client();
    ASSERT_EQ(client1->call(h.loop, "Ready", std::string("web-1")), "");
    ASSERT_EQ(client1->call(h.loop, "SetStatus", std::string("web-1"), std::string("up")), "");
    ASSERT_EQ(client2->call(h.loop, "Ready", std::string("web-2")), "");

    EXPECT_EQ(h.property("State"), "s \"ready\"");
    EXPECT_EQ(h.property("ReadyCount"), "u 2");
    EXPECT_EQ(h.property("KnownCount"), "u 2");
    EXPECT_EQ(h.property("StatusText"), "s \"" + h.broker.status_text() + "\"");
    const std::string pid = std::to_string(getpid());
    const std::string workers = h.property("Workers");
    EXPECT_NE(workers.find("a(sssuussts) 2 \"web-1\" \"workers\" \"dbus\" " + pid +
                           " 0 \"ready\" \"up\""),
              std::string::npos)
        << workers;
    EXPECT_NE(workers.find("\"web-2\" \"workers\" \"dbus\" " + pid + " 0 \"ready\" \"\""),
              std::string::npos)
        << workers;
    EXPECT_EQ(h.property("Generation"), "t " + std::to_string(h.broker.generation()));
    client1.reset();
    client2.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, TheWorkerTableEndsEachRowWithWhatTheWorkerSaidWentWrong) {
    BrokerHarness h(pool_of(2));
    auto client = h.client();
    ASSERT_EQ(client->call(h.loop, "Ready", std::string("web-1")), "");
    ASSERT_EQ(client->call(h.loop, "Ready", std::string("web-2")), "");
    ASSERT_EQ(
        client->call(h.loop, "Notify", std::string("web-2"),
                     std::map<std::string, std::string>{{"ERRNO", "13"}, {"EXIT_STATUS", "3"}}),
        "");
    const std::string workers = h.property("Workers");
    // The ping age (never pinged: 2^64-1) comes before the failure, empty for web-1.
    EXPECT_NE(workers.find("\"web-1\" \"workers\" \"dbus\" " + std::to_string(getpid()) +
                           " 0 \"ready\" \"\" 18446744073709551615 \"\""),
              std::string::npos)
        << workers;
    EXPECT_NE(workers.find("\"web-2\" \"workers\" \"dbus\""), std::string::npos) << workers;
    EXPECT_NE(workers.find(" 18446744073709551615 \"errno 13, exit status 3\""), std::string::npos)
        << workers;
    client.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, PropertiesChangedCarriesTheNewValuesAndCoalescesBursts) {
    core::BrokerConfig config = pool_of(1);
    config.status_interval = 500ms;
    BrokerHarness h(config);
    auto watcher = h.client();
    auto worker = h.client();

    ASSERT_EQ(worker->call(h.loop, "Ready", std::string("web-1")), "");
    ASSERT_TRUE(h.loop.run_until([&] { return !watcher->changes.empty(); }));
    const auto& first = watcher->changes.front();
    ASSERT_TRUE(first.count("ReadyCount"));
    EXPECT_EQ(first.at("ReadyCount").get<std::uint32_t>(), 1U);
    EXPECT_EQ(first.at("State").get<std::string>(), "ready");
    EXPECT_TRUE(first.count("Generation"));

    // A burst inside one interval: one trailing signal with the last values.
    const auto burst_start = std::chrono::steady_clock::now();
    for (int i = 1; i <= 5; ++i) {
        ASSERT_EQ(
            worker->call(h.loop, "SetStatus", std::string("web-1"), "step " + std::to_string(i)),
            "");
    }
    const auto burst = std::chrono::steady_clock::now() - burst_start;
    ASSERT_TRUE(h.loop.run_until([&] { return watcher->changes.size() >= 2; }));
    // Nothing else may follow the trailing flush.
    h.loop.run_until([] { return false; }, 700ms);
    if (burst < config.status_interval) {
        ASSERT_EQ(watcher->changes.size(), 2U);
    } else { // a loaded machine: still far fewer signals than calls
        ASSERT_LE(watcher->changes.size(), 4U);
    }
    const auto& trailing = watcher->changes.back();
    // The worker table is not for every bus user: the signal only says it
    // changed, and whoever may read it asks (issue 11, finding 9).
    EXPECT_FALSE(trailing.count("Workers"));
    const auto& invalidated = watcher->invalidations.back();
    EXPECT_NE(std::find(invalidated.begin(), invalidated.end(), "Workers"), invalidated.end());
    EXPECT_NE(h.property("Workers").find("\"step 5\""), std::string::npos);
    EXPECT_FALSE(trailing.count("ReadyCount")) << "unchanged values are not resent";

    watcher.reset();
    worker.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, ACallerThatLeavesTheBusBecomesAGoneWorker) {
    BrokerHarness h(pool_of(2));
    auto client = h.client();
    ASSERT_EQ(client->call(h.loop, "Ready", std::string("web-1")), "");
    ASSERT_EQ(h.broker.counts().ready, 1U);

    client.reset(); // closes its connection: the bus says NameOwnerChanged
    ASSERT_TRUE(h.loop.run_until([&] {
        const auto workers = h.broker.workers(h.clock());
        const auto* w = find_worker(workers, "web-1");
        return w != nullptr && w->state == core::WorkerState::gone;
    }));
    EXPECT_EQ(h.broker.counts().ready, 0U);
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, AStatusWithANewlineIsInvalidArgsAndNeverReachesUpstream) {
    BrokerHarness h(pool_of(1));
    const auto generation = h.broker.generation();
    const auto upstream_before = h.upstream;

    auto injected = h.call({"SetStatus", "ss", "web-1", "fine\nREADY=1"});
    EXPECT_NE(injected->exit_status(), 0);
    EXPECT_NE(injected->err().find("newline"), std::string::npos) << injected->err();
    auto client = h.client();
    EXPECT_EQ(client->call(h.loop, "SetStatus", std::string("web-1"), std::string("a\nb"))
                  .rfind("org.freedesktop.DBus.Error.InvalidArgs: STATUS: a newline", 0),
              0U);
    EXPECT_EQ(client
                  ->call(h.loop, "Notify", std::string("web-1"),
                         std::map<std::string, std::string>{{"1BAD", "x"}})
                  .rfind("org.freedesktop.DBus.Error.InvalidArgs", 0),
              0U);
    EXPECT_EQ(client
                  ->call(h.loop, "Notify", std::string("web-1"),
                         std::map<std::string, std::string>{{"READY", "2"}})
                  .rfind("org.freedesktop.DBus.Error.InvalidArgs", 0),
              0U);

    EXPECT_EQ(h.broker.generation(), generation);
    EXPECT_EQ(h.upstream, upstream_before);
    EXPECT_EQ(h.broker.counts().known, 0U);
    client.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, KeysWorkersMayNotSendAreAccessDenied) {
    BrokerHarness h(pool_of(1));
    auto client = h.client();
    const std::string error = client->call(h.loop, "Notify", std::string("web-1"),
                                           std::map<std::string, std::string>{{"MAINPID", "1"}});
    EXPECT_EQ(error.rfind("org.freedesktop.DBus.Error.AccessDenied", 0), 0U) << error;
    client.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, BusctlIntrospectsTheObject) {
    BrokerHarness h;
    auto busctl = h.busctl({"introspect", broker_name, broker_path});
    EXPECT_EQ(busctl->exit_status(), 0) << busctl->err();
    for (const char* member : {".Ready", ".SetStatus", ".WatchdogPing", ".Stopping", ".Notify",
                               ".State", ".ReadyCount", ".Workers", ".Generation"}) {
        EXPECT_NE(busctl->out().find(member), std::string::npos) << member;
    }
    EXPECT_NE(busctl->out().find("a(sssuussts)"), std::string::npos);
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, ABusThatGoesAwayLeavesTheBrokerRunningAndIsRejoinedWhenBack) {
    BrokerHarness h(pool_of(1));
    ASSERT_TRUE(h.service->connected());
    h.bus.stop();
    ASSERT_TRUE(h.loop.run_until([&] { return !h.service->connected(); }));
    EXPECT_TRUE(std::any_of(h.log.begin(), h.log.end(), [](const std::string& line) {
        return line.find("lost the") != std::string::npos;
    }));

    h.bus.restart();
    ASSERT_TRUE(h.loop.run_until([&] { return h.service->connected(); }, 5s));
    auto busctl = h.call({"Ready", "s", "web-1"});
    EXPECT_EQ(busctl->exit_status(), 0) << busctl->err();
    EXPECT_TRUE(std::any_of(h.upstream.begin(), h.upstream.end(), [](const std::string& d) {
        return d.find("READY=1") != std::string::npos;
    })) << "the worker's READY over the new connection made the pool ready";
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, ABusAbsentAtStartIsLoggedAndDoesNotThrow) {
    TestLoop loop;
    core::Broker broker(core::BrokerConfig{}, core::UpstreamContext{},
                        std::chrono::steady_clock::now());
    std::vector<std::string> log;
    dbus::BusHooks hooks;
    hooks.now = [] {
        return std::chrono::steady_clock::now();
    };
    hooks.after_change = [] {
    };
    hooks.log = [&](daemon::LogLevel, std::string_view text) {
        log.emplace_back(text);
    };
    daemon::BusSettings settings;
    settings.bus = "unix:path=/nonexistent/notify-broker-test-bus";
    auto service = std::make_unique<dbus::BusService>(loop.get(), broker, settings, hooks);
    EXPECT_FALSE(service->connected());
    // The connect is asynchronous: its failure is logged once the attempt ends.
    ASSERT_TRUE(loop.run_until([&] { return !log.empty(); }, 5s)) << "no word on the bus";
    EXPECT_FALSE(service->connected());
    ASSERT_EQ(log.size(), 1U);
    EXPECT_NE(log.front().find("cannot serve"), std::string::npos) << log.front();
    service.reset();
    EXPECT_EQ(loop.drain_and_close(), 0);
}

TEST(BusService, ACallerOverItsRateLimitGetsLimitsExceeded) {
    core::BrokerConfig config = pool_of(1);
    config.rate_limit.burst = 2;
    config.rate_limit.per_second = 1;
    const core::TimePoint t0 = std::chrono::steady_clock::now();
    BrokerHarness h(config, {}, [&] { return t0; }); // no time passes: no refill
    auto client = h.client();
    EXPECT_EQ(client->call(h.loop, "WatchdogPing", std::string("web-1")), "");
    EXPECT_EQ(client->call(h.loop, "WatchdogPing", std::string("web-1")), "");
    const std::string third = client->call(h.loop, "WatchdogPing", std::string("web-1"));
    EXPECT_EQ(third.rfind("org.freedesktop.DBus.Error.LimitsExceeded", 0), 0U) << third;
    client.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, CallsToAStoppingBrokerGetTheStoppingError) {
    BrokerHarness h(pool_of(1));
    h.broker.request_stop(h.clock());
    auto client = h.client();
    const std::string error = client->call(h.loop, "Ready", std::string("web-1"));
    EXPECT_EQ(error.rfind("org.notifybroker.Broker1.Error.Stopping", 0), 0U) << error;
    client.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, WhenTheBusGoesAwayItsWorkersAreGone) {
    BrokerHarness h(pool_of(1));
    auto client = h.client();
    ASSERT_EQ(client->call(h.loop, "Ready", std::string("web-1")), "");
    ASSERT_EQ(h.broker.counts().ready, 1U);
    h.bus.stop();
    ASSERT_TRUE(h.loop.run_until([&] {
        const auto workers = h.broker.workers(h.clock());
        const auto* w = find_worker(workers, "web-1");
        return w != nullptr && w->state == core::WorkerState::gone;
    }));
    EXPECT_EQ(h.broker.counts().ready, 0U);
    client.reset();
    EXPECT_EQ(h.finish(), 0);
}

TEST(BusService, BrokersWithInstanceNamesCoexistAndASecondClaimantWaitsForTheName) {
    BrokerHarness h(pool_of(1)); // owns org.notifybroker.Broker1.test
    auto start_broker = [&](core::Broker& broker, const std::string& name,
                            std::vector<std::string>& log) {
        dbus::BusHooks hooks;
        hooks.now = [] {
            return std::chrono::steady_clock::now();
        };
        hooks.after_change = [] {
        };
        hooks.log = [&log](daemon::LogLevel, std::string_view text) {
            log.emplace_back(text);
        };
        daemon::BusSettings settings;
        settings.bus = h.bus.address();
        settings.name = name;
        return std::make_unique<dbus::BusService>(h.loop.get(), broker, settings, hooks);
    };
    core::Broker other(pool_of(1), {}, h.clock());
    core::Broker rival(pool_of(1), {}, h.clock());
    std::vector<std::string> other_log;
    std::vector<std::string> rival_log;
    auto other_service = start_broker(other, "org.notifybroker.Broker1.other", other_log);
    auto rival_service = start_broker(rival, broker_name, rival_log);
    // Both connect asynchronously: await the one's name and the other's refusal.
    ASSERT_TRUE(
        h.loop.run_until([&] { return other_service->connected() && !rival_log.empty(); }, 5s));
    EXPECT_TRUE(other_service->connected());
    EXPECT_FALSE(rival_service->connected()) << "the name is taken";
    ASSERT_FALSE(rival_log.empty());
    EXPECT_NE(rival_log.front().find("cannot serve"), std::string::npos) << rival_log.front();

    h.service->close(); // the first broker goes: the rival gets the name on its retry
    ASSERT_TRUE(h.loop.run_until([&] { return rival_service->connected(); }, 5s));
    auto busctl = h.call({"Ready", "s", "web-1"});
    EXPECT_EQ(busctl->exit_status(), 0) << busctl->err();
    EXPECT_FALSE(rival.workers(h.clock()).empty()) << "the call reached the rival";

    other_service.reset();
    rival_service.reset();
    EXPECT_EQ(h.finish(), 0);
}

} // namespace
} // namespace nb::test
