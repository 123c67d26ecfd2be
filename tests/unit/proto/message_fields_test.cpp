// Value rules of the keys systemd knows, through both parse() and check_assignment().
#include <nb/proto/message.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace {

using nb::proto::Assignment;
using nb::proto::check_assignment;
using nb::proto::Message;

struct FieldCase {
    const char* name;
    std::string key;
    std::string value;
    std::string why; ///< empty: accepted; else the error after "KEY: "
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const FieldCase& c, std::ostream* os) {
    *os << c.name;
}

class Field : public testing::TestWithParam<FieldCase> {};

TEST_P(Field, IsJudgedTheSameInADatagramAndInCode) {
    const auto& c = GetParam();
    const auto parsed = Message::parse(c.key + "=" + c.value);
    const auto checked = check_assignment(Assignment{c.key, c.value});
    if (c.why.empty()) {
        ASSERT_TRUE(parsed.ok()) << parsed.error().message;
        EXPECT_EQ(parsed->get(c.key), c.value);
        EXPECT_TRUE(checked.ok()) << checked.error().message;
    } else {
        ASSERT_FALSE(parsed.ok());
        EXPECT_EQ(parsed.error().message, c.key + ": " + c.why);
        ASSERT_FALSE(checked.ok());
        EXPECT_EQ(checked.error().message, c.key + ": " + c.why);
    }
}

const std::string long_fdname(255, 'n');
const std::string too_long_fdname(256, 'n');
const std::string long_bus_error = "a." + std::string(253, 'b');
const std::string too_long_bus_error = "a." + std::string(254, 'b');

INSTANTIATE_TEST_SUITE_P(
    Fields, Field,
    testing::Values(
        // Flags that only take "1".
        FieldCase{"ReadyOne", "READY", "1", ""},
        FieldCase{"ReadyTwo", "READY", "2", "must be \"1\", got \"2\""},
        FieldCase{"ReadyEmpty", "READY", "", "must be \"1\", got \"\""},
        FieldCase{"ReadyTrue", "READY", "true", "must be \"1\", got \"true\""},
        FieldCase{"ReloadingOne", "RELOADING", "1", ""},
        FieldCase{"ReloadingZero", "RELOADING", "0", "must be \"1\", got \"0\""},
        FieldCase{"StoppingOne", "STOPPING", "1", ""},
        FieldCase{"StoppingYes", "STOPPING", "yes", "must be \"1\", got \"yes\""},
        FieldCase{"BarrierOne", "BARRIER", "1", ""},
        FieldCase{"BarrierZero", "BARRIER", "0", "must be \"1\", got \"0\""},
        FieldCase{"FdstoreOne", "FDSTORE", "1", ""},
        FieldCase{"FdstoreTwo", "FDSTORE", "2", "must be \"1\", got \"2\""},
        FieldCase{"FdstoreremoveOne", "FDSTOREREMOVE", "1", ""},
        FieldCase{"FdstoreremoveZero", "FDSTOREREMOVE", "0", "must be \"1\", got \"0\""},
        FieldCase{"FdpollZero", "FDPOLL", "0", ""},
        FieldCase{"FdpollOne", "FDPOLL", "1", "must be \"0\", got \"1\""},
        // WATCHDOG.
        FieldCase{"WatchdogOne", "WATCHDOG", "1", ""},
        FieldCase{"WatchdogTrigger", "WATCHDOG", "trigger", ""},
        FieldCase{"WatchdogMaybe", "WATCHDOG", "maybe",
                  "must be \"1\" or \"trigger\", got \"maybe\""},
        FieldCase{"WatchdogTriggerUppercase", "WATCHDOG", "TRIGGER",
                  "must be \"1\" or \"trigger\", got \"TRIGGER\""},
        // ERRNO: 0..4095 as systemd's parse_errno().
        FieldCase{"ErrnoZero", "ERRNO", "0", ""}, FieldCase{"ErrnoTimedOut", "ERRNO", "110", ""},
        FieldCase{"ErrnoMax", "ERRNO", "4095", ""},
        FieldCase{"ErrnoAboveMax", "ERRNO", "4096",
                  "must be an errno number from 0 to 4095, got \"4096\""},
        FieldCase{"ErrnoNegative", "ERRNO", "-1",
                  "must be an errno number from 0 to 4095, got \"-1\""},
        FieldCase{"ErrnoName", "ERRNO", "ETIMEDOUT",
                  "must be an errno number from 0 to 4095, got \"ETIMEDOUT\""},
        FieldCase{"ErrnoEmpty", "ERRNO", "", "must be an errno number from 0 to 4095, got \"\""},
        FieldCase{"ErrnoHuge", "ERRNO", "99999999999999999999",
                  "must be an errno number from 0 to 4095, got \"99999999999999999999\""},
        // EXIT_STATUS.
        FieldCase{"ExitStatusZero", "EXIT_STATUS", "0", ""},
        FieldCase{"ExitStatus255", "EXIT_STATUS", "255", ""},
        FieldCase{"ExitStatus256", "EXIT_STATUS", "256",
                  "must be an exit status from 0 to 255, got \"256\""},
        FieldCase{"ExitStatusSigned", "EXIT_STATUS", "+1",
                  "must be an exit status from 0 to 255, got \"+1\""},
        // MAINPID.
        FieldCase{"MainpidOne", "MAINPID", "1", ""},
        FieldCase{"MainpidIntMax", "MAINPID", "2147483647", ""},
        FieldCase{"MainpidZero", "MAINPID", "0", "must be a process id greater than 0, got \"0\""},
        FieldCase{"MainpidAboveIntMax", "MAINPID", "2147483648",
                  "must be a process id greater than 0, got \"2147483648\""},
        FieldCase{"MainpidWithSpace", "MAINPID", " 42",
                  "must be a process id greater than 0, got \" 42\""},
        // Microsecond values.
        FieldCase{"MonotonicUsecZero", "MONOTONIC_USEC", "0", ""},
        FieldCase{"MonotonicUsecMax", "MONOTONIC_USEC", "18446744073709551615", ""},
        FieldCase{
            "MonotonicUsecOverflow", "MONOTONIC_USEC", "18446744073709551616",
            "must be microseconds as an unsigned 64-bit decimal, got \"18446744073709551616\""},
        FieldCase{"MonotonicUsecHex", "MONOTONIC_USEC", "0x10",
                  "must be microseconds as an unsigned 64-bit decimal, got \"0x10\""},
        FieldCase{"WatchdogUsecPositive", "WATCHDOG_USEC", "30000000", ""},
        FieldCase{"WatchdogUsecZero", "WATCHDOG_USEC", "0",
                  "must be microseconds greater than 0, got \"0\""},
        FieldCase{"WatchdogUsecUnit", "WATCHDOG_USEC", "30s",
                  "must be microseconds greater than 0, got \"30s\""},
        FieldCase{"ExtendTimeoutUsecZero", "EXTEND_TIMEOUT_USEC", "0", ""},
        FieldCase{"ExtendTimeoutUsecNegative", "EXTEND_TIMEOUT_USEC", "-5",
                  "must be microseconds as an unsigned 64-bit decimal, got \"-5\""},
        // BUSERROR.
        FieldCase{"BuserrorName", "BUSERROR", "org.freedesktop.DBus.Error.Failed", ""},
        FieldCase{"BuserrorAt255Bytes", "BUSERROR", long_bus_error, ""},
        FieldCase{"BuserrorAt256Bytes", "BUSERROR", too_long_bus_error,
                  "must be a D-Bus error name like org.example.Error, got \"" +
                      too_long_bus_error.substr(0, 64) + "\"..."},
        FieldCase{"BuserrorSingleElement", "BUSERROR", "Failed",
                  "must be a D-Bus error name like org.example.Error, got \"Failed\""},
        FieldCase{"BuserrorEmptyElement", "BUSERROR", "org..Failed",
                  "must be a D-Bus error name like org.example.Error, got \"org..Failed\""},
        FieldCase{"BuserrorElementStartingWithDigit", "BUSERROR", "org.1x",
                  "must be a D-Bus error name like org.example.Error, got \"org.1x\""},
        FieldCase{"BuserrorEmpty", "BUSERROR", "",
                  "must be a D-Bus error name like org.example.Error, got \"\""},
        // FDNAME (fdname_is_valid).
        FieldCase{"FdnameSimple", "FDNAME", "http-socket", ""},
        FieldCase{"FdnameEmptyIsValidAsInSystemd", "FDNAME", "", ""},
        FieldCase{"FdnameAt255Bytes", "FDNAME", long_fdname, ""},
        FieldCase{"FdnameAt256Bytes", "FDNAME", too_long_fdname,
                  "must be at most 255 printable ASCII characters without ':', got \"" +
                      too_long_fdname.substr(0, 64) + "\"..."},
        FieldCase{"FdnameWithColon", "FDNAME", "a:b",
                  "must be at most 255 printable ASCII characters without ':', got \"a:b\""},
        FieldCase{"FdnameWithTab", "FDNAME", "a\tb",
                  "must be at most 255 printable ASCII characters without ':', got \"a\\tb\""},
        FieldCase{"FdnameWithDel", "FDNAME", "a\x7f",
                  "must be at most 255 printable ASCII characters without ':', got \"a\\x7f\""},
        FieldCase{
            "FdnameNonAscii", "FDNAME", "caf\xc3\xa9",
            "must be at most 255 printable ASCII characters without ':', got \"caf\\xc3\\xa9\""},
        // NOTIFYACCESS.
        FieldCase{"NotifyaccessNone", "NOTIFYACCESS", "none", ""},
        FieldCase{"NotifyaccessMain", "NOTIFYACCESS", "main", ""},
        FieldCase{"NotifyaccessExec", "NOTIFYACCESS", "exec", ""},
        FieldCase{"NotifyaccessAll", "NOTIFYACCESS", "all", ""},
        FieldCase{"NotifyaccessSome", "NOTIFYACCESS", "some",
                  "must be one of none, main, exec, all, got \"some\""},
        // STATUS and X_* must be UTF-8; other keys are free.
        FieldCase{"StatusUtf8", "STATUS", "3/4 workers ready \xe2\x9c\x93", ""},
        FieldCase{"StatusEmpty", "STATUS", "", ""},
        FieldCase{"StatusLatin1", "STATUS", "caf\xe9", "not valid UTF-8: \"caf\\xe9\""},
        FieldCase{"CustomKeyUtf8", "X_WORKER", "web-\xc3\xa9", ""},
        FieldCase{"CustomKeyNotUtf8", "X_WORKER", "\xff", "not valid UTF-8: \"\\xff\""},
        FieldCase{"UnknownKeyMayHoldAnyBytes", "FUTURE", "\xff\x01", ""}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

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
