// Typed accessors read what parse() validated.
#include <nb/proto/message.hpp>

#include <gtest/gtest.h>

namespace {

using nb::proto::Message;
using nb::proto::NotifyAccess;
using nb::proto::WatchdogKind;

Message parsed(std::string_view datagram) {
    auto message = Message::parse(datagram);
    EXPECT_TRUE(message.ok()) << message.error().message;
    return message.ok() ? std::move(message).value() : Message{};
}

TEST(MessageAccessors, ReportEveryKnownKeyOfAFullMessage) {
    const auto m =
        parsed("READY=1\nRELOADING=1\nSTOPPING=1\nBARRIER=1\nFDSTORE=1\nFDSTOREREMOVE=1\n"
               "FDPOLL=0\nSTATUS=hi\nERRNO=110\nBUSERROR=org.x.Failed\nEXIT_STATUS=3\n"
               "MAINPID=42\nMONOTONIC_USEC=123\nWATCHDOG_USEC=5000000\n"
               "EXTEND_TIMEOUT_USEC=7\nWATCHDOG=trigger\nFDNAME=web\nNOTIFYACCESS=exec");
    EXPECT_TRUE(m.ready());
    EXPECT_TRUE(m.reloading());
    EXPECT_TRUE(m.stopping());
    EXPECT_TRUE(m.barrier());
    EXPECT_TRUE(m.fdstore());
    EXPECT_TRUE(m.fdstore_remove());
    EXPECT_TRUE(m.fdpoll_disabled());
    EXPECT_EQ(m.status(), "hi");
    EXPECT_EQ(m.errno_value(), 110);
    EXPECT_EQ(m.bus_error(), "org.x.Failed");
    EXPECT_EQ(m.exit_status(), 3);
    EXPECT_EQ(m.mainpid(), 42);
    EXPECT_EQ(m.monotonic_usec(), 123U);
    EXPECT_EQ(m.watchdog_usec(), 5000000U);
    EXPECT_EQ(m.extend_timeout_usec(), 7U);
    EXPECT_EQ(m.watchdog(), WatchdogKind::trigger);
    EXPECT_EQ(m.fdname(), "web");
    EXPECT_EQ(m.notify_access(), NotifyAccess::exec);
}

TEST(MessageAccessors, ReportNothingForKeysThatAreAbsent) {
    const auto m = parsed("X_WORKER=web-1");
    EXPECT_FALSE(m.ready());
    EXPECT_FALSE(m.reloading());
    EXPECT_FALSE(m.stopping());
    EXPECT_FALSE(m.barrier());
    EXPECT_FALSE(m.fdstore());
    EXPECT_FALSE(m.fdstore_remove());
    EXPECT_FALSE(m.fdpoll_disabled());
    EXPECT_FALSE(m.status());
    EXPECT_FALSE(m.errno_value());
    EXPECT_FALSE(m.bus_error());
    EXPECT_FALSE(m.exit_status());
    EXPECT_FALSE(m.mainpid());
    EXPECT_FALSE(m.monotonic_usec());
    EXPECT_FALSE(m.watchdog_usec());
    EXPECT_FALSE(m.extend_timeout_usec());
    EXPECT_FALSE(m.watchdog());
    EXPECT_FALSE(m.fdname());
    EXPECT_FALSE(m.notify_access());
    EXPECT_EQ(m.get("X_WORKER"), "web-1");
    EXPECT_TRUE(m.contains("X_WORKER"));
}

TEST(MessageAccessors, TellAWatchdogPingFromATrigger) {
    EXPECT_EQ(parsed("WATCHDOG=1").watchdog(), WatchdogKind::ping);
    EXPECT_EQ(parsed("WATCHDOG=trigger").watchdog(), WatchdogKind::trigger);
}

TEST(MessageAccessors, MapEveryNotifyAccessValue) {
    EXPECT_EQ(parsed("NOTIFYACCESS=none").notify_access(), NotifyAccess::none);
    EXPECT_EQ(parsed("NOTIFYACCESS=main").notify_access(), NotifyAccess::main);
    EXPECT_EQ(parsed("NOTIFYACCESS=exec").notify_access(), NotifyAccess::exec);
    EXPECT_EQ(parsed("NOTIFYACCESS=all").notify_access(), NotifyAccess::all);
}

TEST(MessageAccessors, ReturnTheFirstValueOfADuplicatedKey) {
    EXPECT_EQ(parsed("MAINPID=7\nMAINPID=8").mainpid(), 7);
}

TEST(MessageAccessors, ReadTheLargestUsecValue) {
    EXPECT_EQ(parsed("MONOTONIC_USEC=18446744073709551615").monotonic_usec(),
              18446744073709551615ULL);
}

} // namespace
