// ERRNO=, BUSERROR=, VARLINKERROR=, EXIT_STATUS= are recorded on the worker,
// shown in its row and, while it is not ready, in STATUS (issue 13, point 4).
#include "harness.hpp"

namespace nb::core::testing {
namespace {

TEST(AWorkersErrno, IsShownInStatusWhileItIsNotReady) {
    Harness h(pool_of(2));
    h.worker(1, "READY=1");
    EXPECT_EQ(h.worker(2, "ERRNO=13"), Verdict::accepted);
    EXPECT_EQ(h.last_status(), "1/2 workers ready; web-2 failed: errno 13");
    EXPECT_EQ(h.broker.workers(h.now)[1].failure, "errno 13");
}

TEST(AWorkersFailure, CombinesEveryKeyOfItsMessage) {
    Harness h(pool_of(1));
    h.worker(1, "ERRNO=2\nBUSERROR=org.example.Error.NotFound\nVARLINKERROR=io.example.Gone\n"
                "EXIT_STATUS=3\nSTATUS=no config");
    EXPECT_EQ(h.broker.workers(h.now)[0].failure,
              "errno 2, bus error org.example.Error.NotFound, varlink error io.example.Gone, "
              "exit status 3");
    EXPECT_EQ(h.last_status(), "0/1 workers ready; web-1 failed: errno 2, bus error "
                               "org.example.Error.NotFound, varlink error io.example.Gone, exit "
                               "status 3 (no config)");
}

TEST(AWorkersFailure, IsClearedWhenItBecomesReady) {
    Harness h(pool_of(1));
    h.worker(1, "ERRNO=13");
    h.worker(1, "READY=1");
    EXPECT_EQ(h.broker.workers(h.now)[0].failure, "");
    EXPECT_EQ(h.last_status(), "1/1 workers ready");
}

TEST(AWorkersFailure, StaysInTheRowOfAWorkerThatLeft) {
    Harness h(pool_of(1));
    h.worker(1, "EXIT_STATUS=7");
    h.exit(101);
    const auto rows = h.broker.workers(h.now);
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].state, WorkerState::gone);
    EXPECT_EQ(rows[0].failure, "exit status 7");
}

TEST(ABadVarlinkError, IsRefusedAndTheRestApplies) {
    Harness h(pool_of(1));
    EXPECT_EQ(h.worker(1, "VARLINKERROR=not an error\nREADY=1"), Verdict::accepted);
    ASSERT_EQ(h.broker.key_refusals().size(), 1U);
    EXPECT_EQ(h.broker.key_refusals()[0], "VARLINKERROR must be an interface-qualified error name");
    EXPECT_EQ(h.broker.state(), BrokerState::ready);
    EXPECT_EQ(h.broker.workers(h.now)[0].failure, "");
}

TEST(AnErrnoOfZero, IsNoFailure) {
    Harness h(pool_of(1));
    h.worker(1, "ERRNO=0");
    EXPECT_EQ(h.broker.workers(h.now)[0].failure, "");
}

} // namespace
} // namespace nb::core::testing
