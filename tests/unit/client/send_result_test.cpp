#include <nb/client/send_result.hpp>

#include <gtest/gtest.h>

#include <cerrno>

namespace nb::client {
namespace {

TEST(SendResult, OnlySentConvertsToTrue) {
    EXPECT_TRUE(SendResult::make_sent());
    EXPECT_TRUE(SendResult::make_sent().sent());
    EXPECT_FALSE(SendResult::make_unset());
    EXPECT_FALSE(SendResult::make_failed(EIO));
    EXPECT_FALSE(SendResult{});
}

TEST(SendResult, ADefaultResultIsAFailure) {
    EXPECT_EQ(SendResult{}.status, SendResult::Status::failed);
}

TEST(SendResult, MessageSaysWhyNothingWasSentWhenUnset) {
    EXPECT_EQ(SendResult::make_unset().message(), "NOTIFY_SOCKET is not set, nothing sent");
}

TEST(SendResult, MessageOfAFailureCarriesDetailAndStrerror) {
    const auto result = SendResult::make_failed(ECONNREFUSED, "cannot send to /run/x");
    EXPECT_EQ(result.error, ECONNREFUSED);
    EXPECT_EQ(result.message(), "cannot send to /run/x: Connection refused");
    EXPECT_EQ(SendResult::make_failed(ENOENT).message(), "No such file or directory");
}

} // namespace
} // namespace nb::client
