#include <nb/proto/utf8.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

namespace {

using nb::proto::is_valid_utf8;
using namespace std::string_view_literals;

struct Utf8Case {
    const char* name;
    std::string_view text;
    bool valid;
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const Utf8Case& c, std::ostream* os) {
    *os << c.name;
}

class Utf8 : public testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8, IsAcceptedExactlyWhenSystemdWouldAcceptIt) {
    EXPECT_EQ(is_valid_utf8(GetParam().text), GetParam().valid);
}

INSTANTIATE_TEST_SUITE_P(
    Texts, Utf8,
    testing::Values(
        Utf8Case{"EmptyTextIsValid", ""sv, true},
        Utf8Case{"PlainAsciiIsValid", "3/4 workers ready"sv, true},
        Utf8Case{"TwoByteSequenceIsValid", "caf\xc3\xa9"sv, true},
        Utf8Case{"ThreeByteSequenceIsValid", "\xe2\x82\xac"sv, true},
        Utf8Case{"FourByteSequenceIsValid", "\xf0\x9f\x98\x80"sv, true},
        Utf8Case{"LargestCodePointBelowNoncharactersIsValid", "\xf4\x8f\xbf\xbd"sv, true},
        Utf8Case{"LoneContinuationByteIsInvalid", "\x80"sv, false},
        Utf8Case{"TruncatedSequenceIsInvalid", "\xe2\x82"sv, false},
        Utf8Case{"BadContinuationByteIsInvalid", "\xc3\x28"sv, false},
        Utf8Case{"OverlongSlashIsInvalid", "\xc0\xaf"sv, false},
        Utf8Case{"OverlongThreeByteIsInvalid", "\xe0\x80\xaf"sv, false},
        Utf8Case{"OverlongFourByteIsInvalid", "\xf0\x80\x80\xaf"sv, false},
        Utf8Case{"SurrogateIsInvalid", "\xed\xa0\x80"sv, false},
        Utf8Case{"CodePointAboveUnicodeIsInvalid", "\xf4\x90\x80\x80"sv, false},
        Utf8Case{"FiveByteFormIsInvalid", "\xf8\x88\x80\x80\x80"sv, false},
        Utf8Case{"ByteFfIsInvalid", "\xff"sv, false},
        Utf8Case{"NoncharacterFdd0IsInvalidAsInSystemd", "\xef\xb7\x90"sv, false},
        Utf8Case{"NoncharacterFffeIsInvalidAsInSystemd", "\xef\xbf\xbe"sv, false},
        Utf8Case{"Noncharacter10FfffIsInvalidAsInSystemd", "\xf4\x8f\xbf\xbf"sv, false}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

} // namespace
