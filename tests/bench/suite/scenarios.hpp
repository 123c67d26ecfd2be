#pragma once
// The suite's scenarios. Each runs real processes against a real
// notify-brokerd, adds its figures to the report, and throws
// std::runtime_error when the setup itself fails (never on a missed target:
// the figures are reported, not asserted).

#include "broker_run.hpp"
#include "report.hpp"

#include <cstddef>

namespace nb::bench {

struct Suite {
    Programs programs;
    bool quick = false; ///< CI smoke run: small counts, a few seconds in all
    Report report;

    /// full in a normal run, quick in a smoke run.
    [[nodiscard]] std::size_t pick(std::size_t full, std::size_t quick_value) const noexcept {
        return quick ? quick_value : full;
    }
};

void run_ingest(Suite& suite);
void run_latency(Suite& suite); ///< also start-up times, from the same fresh brokers
void run_shield(Suite& suite);
void run_memory_and_scale(Suite& suite);
void run_idle(Suite& suite);
void run_cli(Suite& suite);
void run_soak(Suite& suite);   ///< only when named (--only soak): long
void run_probes(Suite& suite); ///< only when named (--only probes): ~12 min full

} // namespace nb::bench
