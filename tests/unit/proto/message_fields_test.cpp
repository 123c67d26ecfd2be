// Value rules of the keys systemd knows, through both parse() and check_assignment().
#include <nb/proto/message.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace {

using nb::proto::Assignment;
using nb::proto::check_assignment;
using nb::proto::Message;

struct Value {
    const char* name;
    std::string text;
};

struct RefusedValue {
    const char* name;
    std::string text;
    std::string quoted = "\"" + text + "\""; ///< as the error message shows it
};

// One key's rule: the values it takes, and those it refuses with the error
// "KEY: <refusal><the value as quoted>".
struct KeyRule {
    const char* name;
    std::string key;
    std::vector<Value> accepted;
    std::string refusal;
    std::vector<RefusedValue> refused;
};

struct FieldCase {
    std::string name;
    std::string key;
    std::string value;
    std::string error; ///< empty: accepted
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const FieldCase& c, std::ostream* os) {
    *os << c.name;
}

const std::string long_fdname(255, 'n');
const std::string too_long_fdname(256, 'n');
const std::string long_bus_error = "a." + std::string(253, 'b');
const std::string too_long_bus_error = "a." + std::string(254, 'b');

const std::string flag_one = "must be \"1\", got ";
const std::string usec_u64 = "must be microseconds as an unsigned 64-bit decimal, got ";
const std::string bus_error_name = "must be a D-Bus error name like org.example.Error, got ";
const std::string fdname_chars = "must be at most 255 printable ASCII characters without ':', got ";
const std::string utf8 = "not valid UTF-8: ";

const std::vector<KeyRule> rules = {
    // Flags that only take "1" (FDPOLL only "0").
    {"Ready", "READY", {{"One", "1"}}, flag_one, {{"Two", "2"}, {"Empty", ""}, {"True", "true"}}},
    {"Reloading", "RELOADING", {{"One", "1"}}, flag_one, {{"Zero", "0"}}},
    {"Stopping", "STOPPING", {{"One", "1"}}, flag_one, {{"Yes", "yes"}}},
    {"Barrier", "BARRIER", {{"One", "1"}}, flag_one, {{"Zero", "0"}}},
    {"Fdstore", "FDSTORE", {{"One", "1"}}, flag_one, {{"Two", "2"}}},
    {"Fdstoreremove", "FDSTOREREMOVE", {{"One", "1"}}, flag_one, {{"Zero", "0"}}},
    {"Fdpoll", "FDPOLL", {{"Zero", "0"}}, "must be \"0\", got ", {{"One", "1"}}},
    {"Watchdog",
     "WATCHDOG",
     {{"One", "1"}, {"Trigger", "trigger"}},
     "must be \"1\" or \"trigger\", got ",
     {{"Maybe", "maybe"}, {"TriggerUppercase", "TRIGGER"}}},
    // ERRNO: 0..4095 as systemd's parse_errno().
    {"Errno",
     "ERRNO",
     {{"Zero", "0"}, {"TimedOut", "110"}, {"Max", "4095"}},
     "must be an errno number from 0 to 4095, got ",
     {{"AboveMax", "4096"},
      {"Negative", "-1"},
      {"Name", "ETIMEDOUT"},
      {"Empty", ""},
      {"Huge", "99999999999999999999"}}},
    {"ExitStatus",
     "EXIT_STATUS",
     {{"Zero", "0"}, {"255", "255"}},
     "must be an exit status from 0 to 255, got ",
     {{"256", "256"}, {"Signed", "+1"}}},
    {"Mainpid",
     "MAINPID",
     {{"One", "1"}, {"IntMax", "2147483647"}},
     "must be a process id greater than 0, got ",
     {{"Zero", "0"}, {"AboveIntMax", "2147483648"}, {"WithSpace", " 42"}}},
    // Microsecond values.
    {"MonotonicUsec",
     "MONOTONIC_USEC",
     {{"Zero", "0"}, {"Max", "18446744073709551615"}},
     usec_u64,
     {{"Overflow", "18446744073709551616"}, {"Hex", "0x10"}}},
    {"WatchdogUsec",
     "WATCHDOG_USEC",
     {{"Positive", "30000000"}},
     "must be microseconds greater than 0, got ",
     {{"Zero", "0"}, {"Unit", "30s"}}},
    {"ExtendTimeoutUsec", "EXTEND_TIMEOUT_USEC", {{"Zero", "0"}}, usec_u64, {{"Negative", "-5"}}},
    {"Buserror",
     "BUSERROR",
     {{"Name", "org.freedesktop.DBus.Error.Failed"}, {"At255Bytes", long_bus_error}},
     bus_error_name,
     {{"At256Bytes", too_long_bus_error, "\"" + too_long_bus_error.substr(0, 64) + "\"..."},
      {"SingleElement", "Failed"},
      {"EmptyElement", "org..Failed"},
      {"ElementStartingWithDigit", "org.1x"},
      {"Empty", ""}}},
    // FDNAME (fdname_is_valid).
    {"Fdname",
     "FDNAME",
     {{"Simple", "http-socket"}, {"EmptyIsValidAsInSystemd", ""}, {"At255Bytes", long_fdname}},
     fdname_chars,
     {{"At256Bytes", too_long_fdname, "\"" + too_long_fdname.substr(0, 64) + "\"..."},
      {"WithColon", "a:b"},
      {"WithTab", "a\tb", "\"a\\tb\""},
      {"WithDel", "a\x7f", "\"a\\x7f\""},
      {"NonAscii", "caf\xc3\xa9", "\"caf\\xc3\\xa9\""}}},
    {"Notifyaccess",
     "NOTIFYACCESS",
     {{"None", "none"}, {"Main", "main"}, {"Exec", "exec"}, {"All", "all"}},
     "must be one of none, main, exec, all, got ",
     {{"Some", "some"}}},
    // STATUS and X_* must be UTF-8; other keys are free.
    {"Status",
     "STATUS",
     {{"Utf8", "3/4 workers ready \xe2\x9c\x93"}, {"Empty", ""}},
     utf8,
     {{"Latin1", "caf\xe9", "\"caf\\xe9\""}}},
    {"CustomKey", "X_WORKER", {{"Utf8", "web-\xc3\xa9"}}, utf8, {{"NotUtf8", "\xff", "\"\\xff\""}}},
    {"UnknownKey", "FUTURE", {{"MayHoldAnyBytes", "\xff\x01"}}, "", {}},
};

std::vector<FieldCase> accepted_cases() {
    std::vector<FieldCase> cases;
    for (const auto& rule : rules) {
        for (const auto& value : rule.accepted) {
            cases.push_back({std::string(rule.name) + value.name, rule.key, value.text, ""});
        }
    }
    return cases;
}

std::vector<FieldCase> refused_cases() {
    std::vector<FieldCase> cases;
    for (const auto& rule : rules) {
        for (const auto& value : rule.refused) {
            cases.push_back({std::string(rule.name) + value.name, rule.key, value.text,
                             rule.key + ": " + rule.refusal + value.quoted});
        }
    }
    return cases;
}

std::string case_name(const testing::TestParamInfo<FieldCase>& info) {
    return info.param.name;
}

class AcceptedField : public testing::TestWithParam<FieldCase> {};

TEST_P(AcceptedField, IsTakenAsItIsInADatagramAndInCode) {
    const auto& c = GetParam();
    const auto parsed = Message::parse(c.key + "=" + c.value);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->get(c.key), c.value);
    const auto checked = check_assignment(Assignment{c.key, c.value});
    EXPECT_TRUE(checked.ok()) << checked.error().message;
}

INSTANTIATE_TEST_SUITE_P(Fields, AcceptedField, testing::ValuesIn(accepted_cases()), case_name);

class RefusedField : public testing::TestWithParam<FieldCase> {};

TEST_P(RefusedField, IsRefusedWithTheSameErrorInADatagramAndInCode) {
    const auto& c = GetParam();
    const auto parsed = Message::parse(c.key + "=" + c.value);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message, c.error);
    const auto checked = check_assignment(Assignment{c.key, c.value});
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.error().message, c.error);
}

INSTANTIATE_TEST_SUITE_P(Fields, RefusedField, testing::ValuesIn(refused_cases()), case_name);

TEST(CheckAssignment, RefusesAnInvalidKey) {
    const auto checked = check_assignment(Assignment{"9LIVES", "1"});
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.error().message,
              "invalid key \"9LIVES\" (must match [A-Za-z_][A-Za-z0-9_]*)");
}

TEST(CheckAssignment, RefusesACarriageReturnInAValue) {
    const auto checked = check_assignment(Assignment{"X_NOTE", "a\rREADY=1"});
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(
        checked.error().message,
        "X_NOTE: value contains a line break, which would inject a new line: \"a\\rREADY=1\"");
}

TEST(CheckAssignment, RefusesANulInAValue) {
    const auto checked = check_assignment(Assignment{"X_NOTE", std::string("a\0b", 3)});
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.error().message, "X_NOTE: value contains a NUL byte: \"a\\x00b\"");
}

} // namespace
