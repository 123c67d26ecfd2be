// systemd has no rate limit on its notify socket; the broker is the shield. One
// worker floods the broker as fast as the kernel lets it while another becomes
// ready: READY=1 still goes through, upstream STATUS stays within the configured
// rate, the broker's memory stays flat. The figures are printed for the record.

#include "support/broker_test.hpp"
#include "support/raw_sender.hpp"
#include "support/worker.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include <poll.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

constexpr int flood_datagrams = 100'000;
#ifdef NB_SANITIZED
// ASan keeps freed memory in quarantine and pads every allocation: RSS says
// less about leaks there, so only a gross growth fails.
constexpr long rss_growth_limit_kib = 32 * 1024;
#else
constexpr long rss_growth_limit_kib = 2048;
#endif
constexpr auto status_interval = 200ms;

const std::string flood_config = R"(
[broker]
status_interval = "200ms"

[rate_limit]
burst = 200
per_second = 100

[[group]]
name = "main"
expect = 1
match = ["main"]

[[group]]
name = "noise"
expect = 1
required = false
match = ["*"]
)";

/// Forks the flooder: it writes one byte to `started` after its first 1000
/// datagrams, and exits 0 once all were sent (blocking sends: the kernel paces
/// it to the broker's reading speed, nothing is lost on the way in).
ChildProcess start_flooder(const std::string& socket_path, int started) {
    return ChildProcess::fork([socket_path, started] {
        RawSender sender(socket_path);
        for (int i = 0; i < flood_datagrams; ++i) {
            if (sender.send("X_WORKER=flood\nSTATUS=flood " + std::to_string(i)) != 0) {
                return 1;
            }
            if (i == 1000) {
                const char byte = 1;
                if (::write(started, &byte, 1) != 1) {
                    return 2;
                }
            }
        }
        return 0;
    });
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, static_cast<int>(timeout.count())) == 1;
}

using Flood = BrokerTest;

TEST_F(Flood, AFloodingWorkerNeitherDelaysReadinessNorFloodsSystemd) {
    BrokerOptions options;
    options.config = flood_config;
#ifdef NB_SANITIZED
    // Freed memory parked in ASan's quarantine would read as growth.
    const char* asan = std::getenv("ASAN_OPTIONS");
    options.env["ASAN_OPTIONS"] =
        std::string(asan != nullptr ? asan : "") + ":quarantine_size_mb=1";
#endif
    auto& broker = start_broker(options);
    const long rss_before = broker.rss_kib();

    int started[2];
    ASSERT_EQ(::pipe(started), 0); // inherited by the forked flooder
    const auto flood_start = std::chrono::steady_clock::now();
    auto flooder = start_flooder(broker.socket_path(), started[1]);
    ::close(started[1]);
    ASSERT_TRUE(wait_readable(started[0], 10s)) << "the flood did not start";
    ::close(started[0]);

    // Mid-flood, the worker that matters becomes ready.
    auto worker = start_worker(broker.socket_path(), {"X_WORKER=main\nREADY=1"});
    const auto ready = upstream_.wait_for_line("READY=1", 30s);
    const auto ready_after = std::chrono::steady_clock::now() - flood_start;
    ASSERT_TRUE(ready) << "READY=1 was lost in the flood";
    ASSERT_TRUE(worker.wait_sent(60s));

    ASSERT_EQ(flooder.wait_exit_code(120s), 0);
    const auto flood_time = std::chrono::steady_clock::now() - flood_start;
    ASSERT_TRUE(barrier(broker.socket_path()));
    // The trailing STATUS flush comes at most one interval later.
    upstream_.wait_for([](const std::string&) { return false; }, status_interval * 2);
    const long rss_after = broker.rss_kib();
    const auto observed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - flood_start);

    const std::size_t upstream_total = upstream_.history().size();
    const std::size_t upstream_status = upstream_.count_prefix("STATUS=");
    const auto flood_ms = std::chrono::duration_cast<std::chrono::milliseconds>(flood_time);
    // At most one STATUS per interval over the whole window (rounded up), plus
    // the initial one before it and the one READY=1 carries at once.
    const auto allowed_status = static_cast<std::size_t>(observed / status_interval) + 3;

    EXPECT_EQ(broker.terminate(), 0);
    expect_clean_exits(worker);
    const std::string log = broker.log();
    const auto summary_at = log.find("received ");
    const std::string summary =
        summary_at == std::string::npos
            ? std::string("?")
            : log.substr(summary_at, log.find('\n', summary_at) - summary_at);

    std::printf("[ FIGURES  ] flood: %d datagrams in %lld ms from one worker (%.0f/s)\n",
                flood_datagrams, static_cast<long long>(flood_ms.count()),
                flood_datagrams * 1000.0 /
                    static_cast<double>(std::max<long long>(1, flood_ms.count())));
    std::printf("[ FIGURES  ] READY=1 relayed %lld ms after the flood began\n",
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(ready_after).count()));
    std::printf("[ FIGURES  ] upstream: %zu datagrams, %zu with STATUS (limit %zu: one per %lld ms "
                "over %lld ms)\n",
                upstream_total, upstream_status, allowed_status,
                static_cast<long long>(status_interval.count()),
                static_cast<long long>(observed.count()));
    std::printf("[ FIGURES  ] broker VmRSS: %ld KiB before, %ld KiB after (%+ld KiB)\n", rss_before,
                rss_after, rss_after - rss_before);
    std::printf("[ FIGURES  ] broker: %s\n", summary.c_str());

    EXPECT_LE(upstream_status, allowed_status);
    EXPECT_EQ(upstream_.count_line("READY=1"), 1U);
    EXPECT_LT(rss_after - rss_before, rss_growth_limit_kib) << "broker memory grew with the flood";
}

} // namespace
} // namespace nb::test
