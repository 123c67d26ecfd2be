#include <nb/proto/metrics.hpp>

#include <gtest/gtest.h>

#include <string>

namespace nb::proto {
namespace {

MetricsInput sample_input() {
    MetricsInput input;
    input.state = "degraded";
    input.ready = 1;
    input.expected = 2;
    input.known = 3;
    input.workers = std::vector<MetricsWorker>{
        {"web-2", "web", "late", 2'500'000},
        {"web-1", "web", "ready", std::nullopt},
        {"odd\"name", "web", "ready", 1},
    };
    input.counters = {{"datagrams.received", 9},
                      {"datagrams.accepted", 7},
                      {"datagrams.malformed", 2},
                      {"upstream.ready", 1},
                      {"start_time_usec", 1'700'000'000'250'000}};
    input.version = "1.2.3";
    return input;
}

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(TheMetricsText, ShowsThePoolWorkersAndCountersInThePrometheusFormat) {
    const std::string text = render_metrics(sample_input(), MetricsFormat::prometheus);
    EXPECT_TRUE(has_line(text, "nb_pool_state{state=\"degraded\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "nb_pool_state{state=\"ready\"} 0"));
    EXPECT_TRUE(has_line(text, "nb_workers_ready 1"));
    EXPECT_TRUE(has_line(text, "nb_workers_expected 2"));
    EXPECT_TRUE(has_line(text, "nb_workers{group=\"web\",state=\"ready\"} 2"));
    EXPECT_TRUE(has_line(text, "nb_worker_state{worker=\"web-2\",group=\"web\",state=\"late\"} 1"));
    EXPECT_TRUE(has_line(text, "nb_worker_last_ping_age_seconds{worker=\"web-2\",group=\"web\"} "
                               "2.500000"));
    EXPECT_EQ(text.find("nb_worker_last_ping_age_seconds{worker=\"web-1\""), std::string::npos)
        << "never pinged: no age";
    EXPECT_TRUE(
        has_line(text, "nb_worker_state{worker=\"odd\\\"name\",group=\"web\",state=\"ready\"} 1"))
        << "label values escaped";
    EXPECT_TRUE(has_line(text, "# TYPE nb_datagrams_total counter"));
    EXPECT_TRUE(has_line(text, "nb_datagrams_total{verdict=\"malformed\"} 2"));
    EXPECT_TRUE(has_line(text, "nb_datagrams_received_total 9"));
    EXPECT_TRUE(has_line(text, "nb_upstream_messages_total{kind=\"ready\"} 1"));
    EXPECT_TRUE(has_line(text, "nb_start_time_seconds 1700000000.250000"));
    EXPECT_TRUE(has_line(text, "# TYPE nb_build_info gauge"));
    EXPECT_TRUE(has_line(text, "nb_build_info{version=\"1.2.3\"} 1"));
    EXPECT_EQ(text.find("# EOF"), std::string::npos);
}

TEST(TheMetricsText, InOpenMetricsNamesFamiliesWithoutTotalAndEndsWithEof) {
    const std::string text = render_metrics(sample_input(), MetricsFormat::openmetrics);
    EXPECT_TRUE(has_line(text, "# TYPE nb_datagrams counter")) << text;
    EXPECT_TRUE(has_line(text, "nb_datagrams_total{verdict=\"malformed\"} 2"));
    EXPECT_TRUE(has_line(text, "# TYPE nb_build info"));
    EXPECT_TRUE(has_line(text, "nb_build_info{version=\"1.2.3\"} 1"));
    EXPECT_TRUE(text.ends_with("\n# EOF\n"));
}

TEST(TheMetricsText, CapsPerWorkerSeriesAndCountsTheRestInTheOverflowSeries) {
    const std::string text = render_metrics(sample_input(), MetricsFormat::prometheus, 2);
    EXPECT_TRUE(has_line(text, "nb_worker_series_overflow 1")) << text;
    EXPECT_TRUE(has_line(text, "nb_workers{group=\"web\",state=\"ready\"} 2"))
        << "the per-group counts still count every worker";
    EXPECT_EQ(text.find("worker=\"web-2\""), std::string::npos) << "the last by name is left out";
}

TEST(TheMetricsText, LeavesOutWorkerFamiliesWhenTheTableWasNotRead) {
    MetricsInput input = sample_input();
    input.workers.reset();
    const std::string text = render_metrics(input, MetricsFormat::prometheus);
    EXPECT_EQ(text.find("nb_worker_state"), std::string::npos);
    EXPECT_TRUE(has_line(text, "nb_workers_known 3"));
}

} // namespace
} // namespace nb::proto
