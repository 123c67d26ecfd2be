#include "notification_format.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nb::cli {
namespace {

ReceivedNotification notification(std::string_view data) {
    ReceivedNotification n;
    n.realtime = timespec{86400 + 3661, 123456789};
    n.sender = ucred{42, 1000, 100};
    n.data = data;
    return n;
}

TEST(FormatText, PrintsTimeSenderFdsAndAssignmentsOnOneLine) {
    auto n = notification("READY=1\nSTATUS=3/4 ready");
    n.fd_count = 1;
    EXPECT_EQ(format_text(n), "1970-01-02T01:01:01.123456Z pid=42 uid=1000 gid=100 fds=1 "
                              "READY=1 STATUS=\"3/4 ready\"");
}

TEST(FormatText, QuotesAndEscapesValuesThatAreNotPlain) {
    const auto line = format_text(notification("STATUS=say \"hi\"\tnow"));
    EXPECT_NE(line.find(R"(STATUS="say \"hi\"\tnow")"), std::string::npos) << line;
    EXPECT_NE(format_text(notification("STATUS=")).find("STATUS=\"\""), std::string::npos);
}

TEST(FormatText, MarksADatagramSystemdWouldDropAsInvalidWithItsRawBytes) {
    const auto line = format_text(notification(std::string_view("READY=1\0x", 9)));
    EXPECT_NE(line.find(" invalid="), std::string::npos) << line;
    EXPECT_NE(line.find(R"(raw="READY=1\x00x")"), std::string::npos) << line;
}

TEST(FormatText, MarksOversizedAndControlTruncatedDatagrams) {
    auto n = notification("READY=1");
    n.oversized = true;
    EXPECT_NE(format_text(n).find("invalid=\"datagram of 4096 bytes or more\""), std::string::npos);
    n.oversized = false;
    n.control_truncated = true;
    EXPECT_NE(format_text(n).find("invalid=\"control data truncated\""), std::string::npos);
}

TEST(FormatText, SaysWhenTheKernelGaveNoCredentials) {
    auto n = notification("READY=1");
    n.sender.reset();
    EXPECT_NE(format_text(n).find(" pid=? uid=? gid=? "), std::string::npos);
}

TEST(FormatJson, IsOneObjectWithFieldsInDatagramOrder) {
    EXPECT_EQ(format_json(notification("STATUS=a\"b\nREADY=1")),
              R"({"time":"1970-01-02T01:01:01.123456Z","pid":42,"uid":1000,"gid":100,)"
              R"("fds":0,"fields":{"STATUS":"a\"b","READY":"1"}})");
}

TEST(FormatJson, GivesErrorAndRawForAnInvalidDatagram) {
    const auto json = format_json(notification("garbage"));
    EXPECT_NE(json.find(R"("error":)"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("raw":"garbage"})"), std::string::npos) << json;
}

TEST(JsonQuote, EscapesControlCharactersAndBytesThatAreNotUtf8) {
    EXPECT_EQ(json_quote("a\nb\x01"), R"("a\nb\u0001")");
    EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
    EXPECT_EQ(json_quote("bad\xff"), R"("bad\u00ff")");
}

} // namespace
} // namespace nb::cli
