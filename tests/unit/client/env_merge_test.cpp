#include "env_merge.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nb::cli {
namespace {

using Lines = std::vector<std::string>;

TEST(EnvMerge, AppendsNewKeysInOrder) {
    Lines merged{"READY=1"};
    env_merge(merged, Lines{"A=1", "B=2"});
    EXPECT_EQ(merged, (Lines{"READY=1", "A=1", "B=2"}));
}

TEST(EnvMerge, ALaterValueReplacesAnEarlierOneInPlace) {
    Lines merged{"READY=1", "STATUS=hi"};
    env_merge(merged, Lines{"A=1", "READY=2", "A=3"});
    EXPECT_EQ(merged, (Lines{"READY=2", "STATUS=hi", "A=3"}));
}

TEST(EnvMerge, AKeyIsMatchedWithItsEqualsSignNotAsAPrefix) {
    Lines merged{"AB=1"};
    env_merge(merged, Lines{"A=2"});
    EXPECT_EQ(merged, (Lines{"AB=1", "A=2"}));
}

TEST(EnvMerge, AnEntryWithoutEqualsSignReplacesAnEntryStartingWithItLikeSystemd) {
    Lines merged{"AB=1"};
    env_merge(merged, Lines{"A"});
    EXPECT_EQ(merged, (Lines{"A"}));
}

TEST(JoinLines, SeparatesWithNewlinesWithoutATrailingOne) {
    EXPECT_EQ(join_lines(Lines{"A=1", "B=2"}), "A=1\nB=2");
    EXPECT_EQ(join_lines(Lines{}), "");
    EXPECT_EQ(join_lines(Lines{""}), "");
}

} // namespace
} // namespace nb::cli
