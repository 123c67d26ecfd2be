#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nb::bench {

void Report::print(std::ostream& out) const {
    out << "| scenario | figure | value | target | met | note |\n"
        << "|---|---|---|---|---|---|\n";
    for (const auto& row : rows_) {
        const char* met = !row.met ? "" : (*row.met ? "yes" : "**no**");
        out << "| " << row.scenario << " | " << row.figure << " | " << row.value << " | "
            << row.target << " | " << met << " | " << row.note << " |\n";
    }
}

std::string fixed(double value, int digits) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
    return buffer;
}

std::string duration_text(std::int64_t ns) {
    if (ns < 1'000'000) {
        return fixed(static_cast<double>(ns) / 1e3, 1) + " µs";
    }
    return fixed(static_cast<double>(ns) / 1e6, 2) + " ms";
}

std::int64_t percentile(std::vector<std::int64_t>& samples, double q) {
    if (samples.empty()) {
        return 0;
    }
    std::sort(samples.begin(), samples.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    return samples[std::min(samples.size() - 1, rank == 0 ? 0 : rank - 1)];
}

} // namespace nb::bench
