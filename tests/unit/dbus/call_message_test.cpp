// What a D-Bus call means as an sd_notify message: the same validation as a
// datagram, and no way for a value to become a line of its own.

#include "dbus/call_errors.hpp"
#include "dbus/call_message.hpp"

#include <gtest/gtest.h>

namespace nb::dbus {
namespace {

TEST(MessageForCall, ANamedReadyBecomesReadyWithXWorker) {
    auto message = message_for_call("web-1", {{"READY", "1"}});
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_TRUE(message->ready());
    EXPECT_EQ(message->get("X_WORKER"), "web-1");
}

TEST(MessageForCall, AnEmptyNameLeavesTheCallerToBeNamedByUnitOrPid) {
    auto message = message_for_call("", {{"WATCHDOG", "1"}});
    ASSERT_TRUE(message.ok());
    EXPECT_FALSE(message->contains("X_WORKER"));
}

TEST(MessageForCall, ANewlineInAStatusIsRefusedAsLineInjection) {
    auto message = message_for_call("web-1", {{"STATUS", "fine\nREADY=1"}});
    ASSERT_FALSE(message.ok());
    EXPECT_NE(message.error().message.find("STATUS"), std::string::npos);
    EXPECT_NE(message.error().message.find("newline"), std::string::npos);
}

TEST(MessageForCall, AStatusThatIsNotUtf8IsRefused) {
    auto message = message_for_call("web-1", {{"STATUS", "caf\xc3"}});
    ASSERT_FALSE(message.ok());
    EXPECT_NE(message.error().message.find("UTF-8"), std::string::npos) << message.error().message;
}

TEST(MessageForCall, AKeyThatIsNotAnEnvironmentNameIsRefused) {
    EXPECT_FALSE(message_for_call("", {{"1READY", "1"}}).ok());
    EXPECT_FALSE(message_for_call("", {{"READY=1\nX", "1"}}).ok());
    EXPECT_FALSE(message_for_call("", {{"", "1"}}).ok());
}

TEST(MessageForCall, AValueOutOfRangeIsRefusedAsInADatagram) {
    EXPECT_FALSE(message_for_call("", {{"READY", "2"}}).ok());
    EXPECT_FALSE(message_for_call("", {{"WATCHDOG", "maybe"}}).ok());
}

TEST(MessageForCall, NoAssignmentIsRefused) {
    EXPECT_FALSE(message_for_call("web-1", {}).ok());
}

TEST(MessageForCall, AnXWorkerThatContradictsTheNameIsRefused) {
    EXPECT_FALSE(message_for_call("web-1", {{"READY", "1"}, {"X_WORKER", "db-1"}}).ok());
    EXPECT_TRUE(message_for_call("web-1", {{"READY", "1"}, {"X_WORKER", "web-1"}}).ok());
}

TEST(MessageForCall, ABackslashSurvivesTheRoundTripThroughTheDatagramText) {
    auto message = message_for_call("", {{"STATUS", R"(C:\path \n not a newline)"}});
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_EQ(message->status(), R"(C:\path \n not a newline)");
}

TEST(MessageForCall, AMessageOf4096BytesOrMoreIsRefused) {
    EXPECT_FALSE(message_for_call("", {{"STATUS", std::string(5000, 'x')}}).ok());
}

TEST(ErrorFor, AcceptedIsNoError) {
    EXPECT_FALSE(error_for(core::Verdict::accepted, "uid 0").has_value());
}

TEST(ErrorFor, PolicyRefusalsAreAccessDeniedAndNameTheCaller) {
    for (auto verdict : {core::Verdict::unauthorised, core::Verdict::name_denied,
                         core::Verdict::forbidden_key, core::Verdict::name_held}) {
        const auto error = error_for(verdict, "uid 65534, pid 7 (:1.9)");
        ASSERT_TRUE(error.has_value());
        EXPECT_EQ(error->getName(), "org.freedesktop.DBus.Error.AccessDenied");
    }
    EXPECT_NE(error_for(core::Verdict::unauthorised, "uid 65534")->getMessage().find("uid 65534"),
              std::string::npos);
}

TEST(ErrorFor, LimitsAndBadNamesAndStoppingHaveTheirOwnErrors) {
    EXPECT_EQ(error_for(core::Verdict::invalid_name, "")->getName(),
              "org.freedesktop.DBus.Error.InvalidArgs");
    EXPECT_EQ(error_for(core::Verdict::rate_limited, "")->getName(),
              "org.freedesktop.DBus.Error.LimitsExceeded");
    EXPECT_EQ(error_for(core::Verdict::too_many_workers, "")->getName(),
              "org.freedesktop.DBus.Error.LimitsExceeded");
    EXPECT_EQ(error_for(core::Verdict::stopping, "")->getName(),
              "org.notifybroker.Broker1.Error.Stopping");
}

} // namespace
} // namespace nb::dbus
