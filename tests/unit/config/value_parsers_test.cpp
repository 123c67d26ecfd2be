#include "config/value_parsers.hpp"

#include <gtest/gtest.h>

namespace nb::config {
namespace {

template <class T>
std::string why(const proto::Result<T>& result) {
    EXPECT_FALSE(result.ok());
    return result ? "" : result.error().message;
}

TEST(ValueParsers, ModesAreOctalWithOrWithoutPrefix) {
    EXPECT_EQ(*parse_mode("0660"), 0660U);
    EXPECT_EQ(*parse_mode("660"), 0660U);
    EXPECT_EQ(*parse_mode("0o600"), 0600U);
    EXPECT_EQ(*parse_mode("7777"), 07777U);
    EXPECT_EQ(why(parse_mode("0668")), "'0668' is not an octal mode (like \"0660\")");
    EXPECT_EQ(why(parse_mode("rw-rw----")), "'rw-rw----' is not an octal mode (like \"0660\")");
    EXPECT_EQ(why(parse_mode("10000")), "'10000' is not a mode: above 07777");
    EXPECT_FALSE(parse_mode("").ok());
}

TEST(ValueParsers, ModesFormatAsFourOctalDigits) {
    EXPECT_EQ(format_mode(0660), "0660");
    EXPECT_EQ(format_mode(0), "0000");
    EXPECT_EQ(format_mode(04755), "4755");
}

TEST(ValueParsers, LogLevelsUseJournalNamesOrNumbers) {
    EXPECT_EQ(*parse_log_level("debug"), daemon::LogLevel::debug);
    EXPECT_EQ(*parse_log_level("warn"), daemon::LogLevel::warning);
    EXPECT_EQ(*parse_log_level("error"), daemon::LogLevel::err);
    EXPECT_EQ(*parse_log_level("5"), daemon::LogLevel::notice);
    EXPECT_EQ(why(parse_log_level("loud")),
              "'loud' is not a log level (err, warning, notice, info or debug)");
    for (auto level : {daemon::LogLevel::err, daemon::LogLevel::warning, daemon::LogLevel::notice,
                       daemon::LogLevel::info, daemon::LogLevel::debug})
        EXPECT_EQ(*parse_log_level(to_string(level)), level);
}

TEST(ValueParsers, CountsAreDecimalAndNotNegative) {
    EXPECT_EQ(*parse_count("42"), 42U);
    EXPECT_EQ(why(parse_count("x")), "'x' is not a number");
    EXPECT_EQ(why(parse_count("-3")), "'-3' is negative");
    EXPECT_EQ(why(parse_count("4 ")), "'4 ' is not a number");
    EXPECT_EQ(why(parse_count("99999999999")), "'99999999999' is too big");
}

TEST(ValueParsers, UsersAndGroupsResolveByNameOrNumber) {
    EXPECT_EQ(*lookup_user("root"), 0U);
    EXPECT_EQ(*lookup_user("1234"), 1234U);
    EXPECT_EQ(*lookup_group("root"), 0U);
    EXPECT_EQ(*lookup_group("4321"), 4321U);
    EXPECT_EQ(why(lookup_user("no-such-user-xyz")), "no such user 'no-such-user-xyz'");
    EXPECT_EQ(why(lookup_group("no-such-group-xyz")), "no such group 'no-such-group-xyz'");
}

TEST(ValueParsers, IdsHaveNamesWhenTheDatabasesKnowThem) {
    EXPECT_EQ(user_name(0), "root");
    EXPECT_EQ(group_name(0), "root");
    EXPECT_EQ(user_name(3999999), std::nullopt);
    EXPECT_EQ(group_name(3999999), std::nullopt);
}

TEST(ValueParsers, GlobsMustBeWellFormed) {
    EXPECT_TRUE(check_glob("web-*").ok());
    EXPECT_TRUE(check_glob("web-[0-9]").ok());
    EXPECT_TRUE(check_glob("[]]x").ok()) << "']' first in a set is a member";
    EXPECT_TRUE(check_glob("a\\*").ok());
    EXPECT_EQ(why(check_glob("web-[0-9")), "pattern 'web-[0-9' has a '[' without ']'");
    EXPECT_EQ(why(check_glob("web\\")), "pattern 'web\\' ends with '\\'");
    EXPECT_EQ(why(check_glob("")), "a pattern must not be empty");
}

TEST(ValueParsers, BusesAreKnownNamesOrAddresses) {
    EXPECT_TRUE(check_bus("system").ok());
    EXPECT_TRUE(check_bus("session").ok());
    EXPECT_TRUE(check_bus("none").ok());
    EXPECT_TRUE(check_bus("unix:path=/tmp/bus").ok());
    EXPECT_FALSE(check_bus("sytem").ok());
    EXPECT_FALSE(check_bus(":path=x").ok());
}

TEST(ValueParsers, BusNamesFollowTheDBusRules) {
    EXPECT_TRUE(check_bus_name("org.notifybroker.Broker1").ok());
    EXPECT_TRUE(check_bus_name("org.example.my-app_2").ok());
    EXPECT_EQ(why(check_bus_name("broker")),
              "'broker' is not a D-Bus name: it needs at least two elements "
              "(\"org.example.Name\")");
    EXPECT_EQ(why(check_bus_name("org..x")), "'org..x' is not a D-Bus name: empty element");
    EXPECT_EQ(why(check_bus_name("org.1x")),
              "'org.1x' is not a D-Bus name: an element starts with a digit");
    EXPECT_EQ(why(check_bus_name(":1.42")),
              "':1.42' is not a D-Bus name: unique names (':1.42') cannot be requested");
    EXPECT_FALSE(check_bus_name("org.ex ample").ok());
    EXPECT_FALSE(check_bus_name(std::string(256, 'a') + ".b").ok());
}

TEST(ValueParsers, StatusFormatsKnowTheirPlaceholdersAndStayOnOneLine) {
    EXPECT_TRUE(check_status_format("{ready}/{expected} up ({state}) {details}").ok());
    EXPECT_TRUE(check_status_format("").ok());
    EXPECT_EQ(why(check_status_format("{ready} of {total}")),
              "unknown placeholder {total} (use {ready} {expected} {state} {details})");
    EXPECT_EQ(why(check_status_format("{ready")), "'{' without '}' in the status format");
    EXPECT_EQ(why(check_status_format("a\nMAINPID=1")), "a status format must be one line");
}

TEST(ValueParsers, SocketPathsAreAbsoluteOrAbstractAndFit) {
    EXPECT_TRUE(check_socket_path("/run/notify-broker/notify.sock").ok());
    EXPECT_TRUE(check_socket_path("@notify-broker").ok());
    EXPECT_FALSE(check_socket_path("").ok());
    EXPECT_EQ(why(check_socket_path("notify.sock")),
              "'notify.sock' is not an absolute path or @abstract name (workers get it as "
              "NOTIFY_SOCKET, which must be absolute)");
    EXPECT_FALSE(check_socket_path("/" + std::string(107, 'a')).ok());
    EXPECT_TRUE(check_socket_path("/" + std::string(106, 'a')).ok());
}

TEST(ValueParsers, GroupNamesAreShortAndPrintable) {
    EXPECT_TRUE(check_group_name("web-frontend_2.a@b:c").ok());
    EXPECT_FALSE(check_group_name("").ok());
    EXPECT_FALSE(check_group_name(std::string(65, 'a')).ok());
    EXPECT_EQ(why(check_group_name("web workers")),
              "group name 'web workers' has character ' ' (use letters, digits and _.@:-)");
}

} // namespace
} // namespace nb::config
