#include <nb/proto/message.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace {

using nb::proto::Assignment;
using nb::proto::Message;
using nb::proto::serialize;

TEST(Serialize, JoinsAssignmentsWithNewlinesAndNoTrailingNewline) {
    const std::vector<Assignment> in{{"READY", "1"}, {"STATUS", "3/4 ready"}};
    const auto out = serialize(in);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, "READY=1\nSTATUS=3/4 ready");
}

TEST(Serialize, KeepsAnEmptyValue) {
    const std::vector<Assignment> in{{"STATUS", ""}};
    EXPECT_EQ(serialize(in).value(), "STATUS=");
}

TEST(Serialize, OutputParsesBackToTheSameMessage) {
    const auto original = Message::parse("READY=1\nSTATUS=a=b c\nX_WORKER=web-1\nMAINPID=9");
    ASSERT_TRUE(original.ok());
    const auto text = serialize(original->assignments());
    ASSERT_TRUE(text.ok()) << text.error().message;
    const auto again = Message::parse(*text);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, *original);
}

TEST(Serialize, DoublesBackslashesSoSystemdReadsThemAsWritten) {
    const std::vector<Assignment> in{{"STATUS", "C:\\dir\\"}};
    const auto out = serialize(in);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, "STATUS=C:\\\\dir\\\\");
    const auto back = Message::parse(*out);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->status(), "C:\\dir\\");
}

TEST(Serialize, CountsDoubledBackslashesAgainstTheSizeLimit) {
    const std::vector<Assignment> fits{{"STATUS", std::string(2044, '\\')}};
    EXPECT_EQ(serialize(fits).value().size(), 4095U);
    const std::vector<Assignment> too_big{{"STATUS", std::string(2045, '\\')}};
    const auto out = serialize(too_big);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().message,
              "message of at least 4097 bytes is too large (must be less than 4096)");
}

TEST(Serialize, Accepts4095Bytes) {
    const std::vector<Assignment> in{{"STATUS", std::string(4095 - 7, 'x')}};
    const auto out = serialize(in);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(out->size(), 4095U);
}

struct RefusedCase {
    const char* name;
    std::vector<Assignment> assignments;
    std::string error;
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const RefusedCase& c, std::ostream* os) {
    *os << c.name;
}

class SerializeRefuses : public testing::TestWithParam<RefusedCase> {};

TEST_P(SerializeRefuses, WithAnErrorNamingTheKeyAndWhy) {
    const auto out = serialize(GetParam().assignments);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().message, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, SerializeRefuses,
    testing::Values(
        RefusedCase{
            "NoAssignments", {}, "no assignments (an empty datagram is dropped by the receiver)"},
        RefusedCase{"InvalidKey",
                    {{"READY", "1"}, {"BAD KEY", "1"}},
                    "invalid key \"BAD KEY\" (must match [A-Za-z_][A-Za-z0-9_]*)"},
        RefusedCase{
            "EmptyKey", {{"", "1"}}, "invalid key \"\" (must match [A-Za-z_][A-Za-z0-9_]*)"},
        RefusedCase{"KeyWithEquals",
                    {{"A=B", "1"}},
                    "invalid key \"A=B\" (must match [A-Za-z_][A-Za-z0-9_]*)"},
        RefusedCase{"NewlineInValue",
                    {{"STATUS", "fine\nREADY=1"}},
                    "STATUS: value contains a line break, which would inject a new line: "
                    "\"fine\\nREADY=1\""},
        RefusedCase{"CarriageReturnInValue",
                    {{"STATUS", "fine\rMAINPID=1"}},
                    "STATUS: value contains a line break, which would inject a new line: "
                    "\"fine\\rMAINPID=1\""},
        RefusedCase{"NulInValue",
                    {{"STATUS", std::string("a\0b", 3)}},
                    "STATUS: value contains a NUL byte: \"a\\x00b\""},
        RefusedCase{"Exactly4096Bytes",
                    {{"STATUS", std::string(4096 - 7, 'x')}},
                    "message of at least 4096 bytes is too large (must be less than 4096)"},
        RefusedCase{"TooLargeOnlyWithTheSeparator",
                    {{"A", std::string(2045, 'x')}, {"B", std::string(2046, 'x')}},
                    "message of at least 4096 bytes is too large (must be less than 4096)"}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

} // namespace
