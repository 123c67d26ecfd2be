// Datagram-level rules: size, NUL, line splitting, line syntax, duplicates.
#include <nb/proto/message.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace {

using nb::proto::Assignment;
using nb::proto::Message;

struct AcceptedCase {
    const char* name;
    std::string datagram;
    std::vector<Assignment> assignments;
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const AcceptedCase& c, std::ostream* os) {
    *os << c.name;
}

class AcceptedDatagram : public testing::TestWithParam<AcceptedCase> {};

TEST_P(AcceptedDatagram, ParsesToTheseAssignmentsInOrder) {
    const auto message = Message::parse(GetParam().datagram);
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_EQ(message->assignments(), GetParam().assignments);
}

INSTANTIATE_TEST_SUITE_P(
    Datagrams, AcceptedDatagram,
    testing::Values(
        AcceptedCase{"SingleAssignment", "READY=1", {{"READY", "1"}}},
        AcceptedCase{"TrailingNewline", "READY=1\n", {{"READY", "1"}}},
        AcceptedCase{"SeveralLinesKeepTheirOrder",
                     "READY=1\nSTATUS=up\nX_WORKER=web-1",
                     {{"READY", "1"}, {"STATUS", "up"}, {"X_WORKER", "web-1"}}},
        AcceptedCase{"EmptyLinesAreSkipped",
                     "\n\nREADY=1\n\n\nSTATUS=x\n\n",
                     {{"READY", "1"}, {"STATUS", "x"}}},
        AcceptedCase{"CarriageReturnSplitsLinesLikeSystemd",
                     "READY=1\r\nSTATUS=x\r",
                     {{"READY", "1"}, {"STATUS", "x"}}},
        AcceptedCase{
            "FirstOccurrenceOfAKeyWins", "STATUS=first\nSTATUS=second", {{"STATUS", "first"}}},
        AcceptedCase{"LaterDuplicateIsNotEvenValidated", "READY=1\nREADY=2", {{"READY", "1"}}},
        AcceptedCase{"ValueMayContainEquals", "STATUS=a=b", {{"STATUS", "a=b"}}},
        AcceptedCase{"EmptyStatusClearsIt", "STATUS=", {{"STATUS", ""}}},
        AcceptedCase{
            "UnknownKeysAreKept", "SOME_FUTURE_KEY=whatever", {{"SOME_FUTURE_KEY", "whatever"}}},
        AcceptedCase{"LowercaseAndUnderscoreKeysAreValid", "_x9=1", {{"_x9", "1"}}},
        // Backslash rules as observed on a real systemd 252 (StatusText of a unit).
        AcceptedCase{"BackslashTakesTheNextByteLiterallyLikeSystemd",
                     "STATUS=a\\b\\\\c",
                     {{"STATUS", "ab\\c"}}},
        AcceptedCase{"BackslashInsideAKeyIsUnescapedFirst", "READ\\Y=1", {{"READY", "1"}}},
        AcceptedCase{"EscapedEqualsStillSeparatesKeyAndValue", "X_A\\=1", {{"X_A", "1"}}},
        AcceptedCase{
            "QuotesAreNotSpecial", "STATUS=it's \"quoted\"", {{"STATUS", "it's \"quoted\""}}},
        AcceptedCase{"LargestDatagramIs4095Bytes",
                     "STATUS=" + std::string(4095 - 7, 'a'),
                     {{"STATUS", std::string(4095 - 7, 'a')}}}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

struct RejectedCase {
    const char* name;
    std::string datagram;
    std::string error; ///< the whole message
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const RejectedCase& c, std::ostream* os) {
    *os << c.name;
}

class RejectedDatagram : public testing::TestWithParam<RejectedCase> {};

TEST_P(RejectedDatagram, IsRefusedWithAnErrorSayingWhereAndWhy) {
    const auto message = Message::parse(GetParam().datagram);
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.error().message, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Datagrams, RejectedDatagram,
    testing::Values(
        RejectedCase{"Empty", "", "empty datagram"},
        RejectedCase{"OnlyNewlines", "\n\r\n", "empty datagram (no KEY=VALUE lines)"},
        RejectedCase{"Of4096Bytes", "STATUS=" + std::string(4096 - 7, 'a'),
                     "datagram of 4096 bytes is too large (must be less than 4096)"},
        RejectedCase{"FarTooLarge", std::string(70000, 'a'),
                     "datagram of 70000 bytes is too large (must be less than 4096)"},
        RejectedCase{"WithEmbeddedNul", std::string("READY=1\0X", 9),
                     "embedded NUL byte at offset 7"},
        RejectedCase{"WithLineWithoutEquals", "READY=1\nhello",
                     "line 2: expected KEY=VALUE, got \"hello\""},
        RejectedCase{"WithKeyStartingWithDigit", "1A=x",
                     "line 1: invalid key \"1A\" (must match [A-Za-z_][A-Za-z0-9_]*)"},
        RejectedCase{"WithEmptyKey", "=x",
                     "line 1: invalid key \"\" (must match [A-Za-z_][A-Za-z0-9_]*)"},
        RejectedCase{"WithSpaceInKey", "READY =1",
                     "line 1: invalid key \"READY \" (must match [A-Za-z_][A-Za-z0-9_]*)"},
        RejectedCase{"WithDashInKey", "X-FOO=1",
                     "line 1: invalid key \"X-FOO\" (must match [A-Za-z_][A-Za-z0-9_]*)"},
        RejectedCase{"WithMalformedLineAfterADuplicate", "READY=1\nREADY=1\nREADY",
                     "line 3: expected KEY=VALUE, got \"READY\""},
        RejectedCase{"WithControlBytesQuotedInTheError", "\x1b[31m",
                     "line 1: expected KEY=VALUE, got \"\\x1b[31m\""},
        RejectedCase{"EndingInALoneBackslashAsSystemdDropsIt", "READY=1\nSTATUS=trail\\",
                     "line 2: ends with a lone backslash (systemd drops such a datagram)"},
        RejectedCase{"WithAnEscapedNewlineInAValue", "STATUS=a\\\nREADY=1",
                     "STATUS: value contains an escaped line break: \"a\\nREADY=1\""},
        RejectedCase{"WithLineNumbersCountingEmptyLines", "\n\nbad",
                     "line 3: expected KEY=VALUE, got \"bad\""}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

TEST(MessageParse, QuotesOnlyTheStartOfAVeryLongBadLine) {
    const auto message = Message::parse(std::string(1000, 'x'));
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.error().message,
              "line 1: expected KEY=VALUE, got \"" + std::string(64, 'x') + "\"...");
}

TEST(MessageFromAssignments, KeepsTheFirstOfDuplicateKeys) {
    const std::vector<Assignment> in{{"STATUS", "a"}, {"READY", "1"}, {"STATUS", "b"}};
    const auto message = Message::from_assignments(in);
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_EQ(message->assignments(), (std::vector<Assignment>{{"STATUS", "a"}, {"READY", "1"}}));
}

TEST(MessageFromAssignments, RefusesAStatusWithANewlineAsLineInjection) {
    const std::vector<Assignment> in{{"STATUS", "ok\nREADY=1"}};
    const auto message = Message::from_assignments(in);
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(
        message.error().message,
        "STATUS: value contains a line break, which would inject a new line: \"ok\\nREADY=1\"");
}

TEST(MessageFromAssignments, RefusesNoAssignments) {
    const auto message = Message::from_assignments({});
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.error().message, "no assignments");
}

TEST(MessageFromAssignments, AppliesTheSameValueRulesAsParse) {
    const std::vector<Assignment> in{{"READY", "2"}};
    const auto message = Message::from_assignments(in);
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.error().message, "READY: must be \"1\", got \"2\"");
}

} // namespace
