#include "core/safe_text.hpp"
#include "core/status_composer.hpp"

#include <gtest/gtest.h>

namespace nb::core {
namespace {

StatusFacts three_of_four() {
    StatusFacts facts;
    facts.counts = Counts{.ready = 3, .expected = 4, .known = 4};
    facts.state = BrokerState::degraded;
    return facts;
}

TEST(TheDefaultStatus, SaysHowManyWorkersAreReady) {
    EXPECT_EQ(StatusComposer({}).compose(three_of_four()), "3/4 workers ready");
}

TEST(TheDefaultStatus, NamesTheWorkersThatAreNotReady) {
    StatusFacts facts = three_of_four();
    facts.workers = {WorkerNote{"web-2", "starting", {}}, WorkerNote{"web-4", "gone", "oom"}};
    EXPECT_EQ(StatusComposer({}).compose(facts),
              "3/4 workers ready; web-2 starting, web-4 gone (oom)");
}

TEST(TheDefaultStatus, PutsBrokerNotesBeforeTheWorkers) {
    StatusFacts facts = three_of_four();
    facts.notes = {"reloading"};
    facts.workers = {WorkerNote{"web-2", "late", {}}};
    EXPECT_EQ(StatusComposer({}).compose(facts), "3/4 workers ready; reloading; web-2 late");
}

TEST(AComposedStatus, QuotesOnlyTheStartOfALongWorkerStatus) {
    StatusFacts facts = three_of_four();
    const std::string long_status(500, 'z');
    facts.workers = {WorkerNote{"web-2", "starting", long_status}};
    const std::string text = StatusComposer({}).compose(facts);
    EXPECT_EQ(text, "3/4 workers ready; web-2 starting (" + std::string(80, 'z') + ")");
}

TEST(AComposedStatus, IsCutWithAnEllipsisAtTheMaximumLength) {
    StatusFacts facts = three_of_four();
    facts.notes = {std::string(100, 'n')};
    const std::string text = StatusComposer({}, 40).compose(facts);
    EXPECT_EQ(text.size(), 40U);
    EXPECT_EQ(text.substr(37), "\u2026");
    EXPECT_EQ(text.substr(0, 20), "3/4 workers ready; n");
}

TEST(AComposedStatus, IsCutWithoutSplittingACharacter) {
    StatusFacts facts = three_of_four();
    facts.workers = {WorkerNote{"web", "starting", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}};
    for (std::size_t max = 20; max < 50; ++max) {
        const std::string text = StatusComposer({}, max).compose(facts);
        EXPECT_LE(text.size(), max);
        // Every byte sequence is complete: sanitising changes nothing.
        EXPECT_EQ(sanitize_text(text, text.size()), text) << max;
    }
}

TEST(ACustomFormat, FillsEveryPlaceholderEverywhere) {
    StatusFacts facts = three_of_four();
    facts.workers = {WorkerNote{"web-2", "gone", {}}};
    EXPECT_EQ(StatusComposer("{state}: {ready}/{expected} ({ready}) {details}").compose(facts),
              "degraded: 3/4 (3) web-2 gone");
}

} // namespace
} // namespace nb::core
