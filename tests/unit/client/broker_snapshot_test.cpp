// How the CLI renders the Broker1 properties: built from GetAll, updated from
// PropertiesChanged, printed as text and JSON.

#include "broker_snapshot.hpp"

#include <gtest/gtest.h>

namespace nb::cli {
namespace {

using Row = sdbus::Struct<std::string, std::string, std::string, std::uint32_t, std::uint32_t,
                          std::string, std::string, std::uint64_t, std::string>;

std::map<std::string, sdbus::Variant> all_properties() {
    std::vector<Row> rows = {
        Row{"web-1", "workers", "dbus", 42U, 1000U, "ready", "up \"fast\"", 1'500'000U, ""},
        Row{"web-2", "workers", "socket", 43U, 0U, "starting", "", UINT64_MAX, "errno 13"},
    };
    return {{"State", sdbus::Variant(std::string("starting"))},
            {"ReadyCount", sdbus::Variant(std::uint32_t{1})},
            {"ExpectedCount", sdbus::Variant(std::uint32_t{2})},
            {"KnownCount", sdbus::Variant(std::uint32_t{2})},
            {"StatusText", sdbus::Variant(std::string("1/2 workers ready"))},
            {"Workers", sdbus::Variant(rows)},
            {"Generation", sdbus::Variant(std::uint64_t{7})}};
}

TEST(BrokerSnapshot, TakesEveryPropertyFromGetAll) {
    BrokerSnapshot s;
    s.apply(all_properties());
    EXPECT_EQ(s.state, "starting");
    EXPECT_EQ(s.ready, 1U);
    EXPECT_EQ(s.expected, 2U);
    EXPECT_EQ(s.generation, 7U);
    ASSERT_EQ(s.workers.size(), 2U);
    EXPECT_EQ(s.workers[0].ping_age_usec, 1'500'000U);
    EXPECT_FALSE(s.workers[1].ping_age_usec.has_value()) << "2^64-1 means never pinged";
}

TEST(BrokerSnapshot, AChangeUpdatesOnlyWhatItCarries) {
    BrokerSnapshot s;
    s.apply(all_properties());
    s.apply({{"ReadyCount", sdbus::Variant(std::uint32_t{2})},
             {"State", sdbus::Variant(std::string("ready"))}});
    EXPECT_EQ(s.ready, 2U);
    EXPECT_EQ(s.state, "ready");
    EXPECT_EQ(s.status, "1/2 workers ready");
    EXPECT_EQ(s.workers.size(), 2U);
}

TEST(BrokerSnapshot, AValueOfTheWrongTypeThrowsSdbusError) {
    BrokerSnapshot s;
    EXPECT_THROW(s.apply({{"ReadyCount", sdbus::Variant(std::string("one"))}}), sdbus::Error);
}

TEST(FormatStatus, JsonHasEveryFieldAndEscapesText) {
    BrokerSnapshot s;
    s.apply(all_properties());
    s.status = "a \"quoted\" status";
    EXPECT_EQ(format_status_json(s), R"({"state":"starting","ready":1,"expected":2,"known":2,)"
                                     R"("status":"a \"quoted\" status","generation":7})");
}

TEST(FormatWorkers, TextIsAnAlignedTableWithAHeader) {
    BrokerSnapshot s;
    s.apply(all_properties());
    const std::string table = format_workers_text(s.workers);
    EXPECT_EQ(table, "NAME   GROUP    SOURCE  PID  UID   STATE     PING  FAILURE   STATUS\n"
                     "web-1  workers  dbus    42   1000  ready     1.5s  -         up \"fast\"\n"
                     "web-2  workers  socket  43   0     starting  -     errno 13  \n");
}

TEST(FormatWorkers, JsonGivesNullForAWorkerNeverPinged) {
    BrokerSnapshot s;
    s.apply(all_properties());
    const std::string json = format_workers_json(s.workers);
    EXPECT_NE(json.find(R"("name":"web-2","group":"workers","source":"socket","pid":43,"uid":0,)"
                        R"("state":"starting","status":"","last_ping_age_usec":null,)"
                        R"("failure":"errno 13"})"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find(R"("last_ping_age_usec":1500000)"), std::string::npos);
}

TEST(FormatWorkers, JsonGivesWhatAWorkerSaidWentWrongAndAnEmptyStringForNothing) {
    BrokerSnapshot s;
    s.apply(all_properties());
    ASSERT_EQ(s.workers.size(), 2U);
    EXPECT_EQ(s.workers[0].failure, "");
    EXPECT_EQ(s.workers[1].failure, "errno 13");
    const std::string json = format_workers_json(s.workers);
    EXPECT_NE(json.find(R"("last_ping_age_usec":1500000,"failure":""})"), std::string::npos)
        << json;
}

TEST(FormatChange, JsonNamesWhatChanged) {
    BrokerSnapshot s;
    s.apply(all_properties());
    const std::string line = format_change(s, {"ReadyCount", "State"}, true);
    EXPECT_NE(line.find(R"("changed":["ReadyCount","State"])"), std::string::npos) << line;
    EXPECT_EQ(line.back(), '}');
}

} // namespace
} // namespace nb::cli
