#include "core/safe_text.hpp"

#include <gtest/gtest.h>

namespace nb::core {
namespace {

TEST(SanitizeText, KeepsPlainUtf8AsItIs) {
    EXPECT_EQ(sanitize_text("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80", 100),
              "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80");
}

TEST(SanitizeText, TurnsEveryLineBreakAndControlIntoASpace) {
    EXPECT_EQ(sanitize_text(std::string("a\nb\rc\td\0e\x7f"
                                        "f",
                                        11),
                            100),
              "a b c d e f");
    EXPECT_EQ(sanitize_text("x\xc2\x85y", 100), "x y");                    // NEL
    EXPECT_EQ(sanitize_text("x\xe2\x80\xa8y\xe2\x80\xa9z", 100), "x y z"); // U+2028, U+2029
}

TEST(SanitizeText, ReplacesInvalidBytesWithAQuestionMark) {
    EXPECT_EQ(sanitize_text("a\xff"
                            "b",
                            100),
              "a?b");
    EXPECT_EQ(sanitize_text("\xc0\xaf", 100), "??");      // overlong '/'
    EXPECT_EQ(sanitize_text("\xed\xa0\x80", 100), "???"); // a surrogate
    EXPECT_EQ(sanitize_text("\xe2\x9c", 100), "??");      // cut short
}

TEST(SanitizeText, CutsOnACodePointBoundary) {
    EXPECT_EQ(sanitize_text("ab\xe2\x9c\x93", 4), "ab");
    EXPECT_EQ(sanitize_text("ab\xe2\x9c\x93", 5), "ab\xe2\x9c\x93");
    EXPECT_EQ(sanitize_text("abc", 0), "");
}

TEST(TruncateUtf8, NeverSplitsACodePoint) {
    EXPECT_EQ(truncate_utf8("\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80", 7), "\xf0\x9f\x9a\x80");
    EXPECT_EQ(truncate_utf8("\xf0\x9f\x9a\x80", 3), "");
    EXPECT_EQ(truncate_utf8("short", 10), "short");
}

} // namespace
} // namespace nb::core
