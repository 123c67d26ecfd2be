#pragma once
// The suite's output: one row per figure, printed as a Markdown table so it
// can be pasted into BENCHMARKS.md as it is.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace nb::bench {

struct Row {
    std::string scenario;
    std::string figure;
    std::string value;
    std::string target; ///< empty: informative only
    std::optional<bool> met;
    std::string note;
};

class Report {
public:
    void add(Row row) { rows_.push_back(std::move(row)); }
    void print(std::ostream& out) const;
    [[nodiscard]] const std::vector<Row>& rows() const noexcept { return rows_; }

private:
    std::vector<Row> rows_;
};

/// "12.3" with `digits` decimals.
[[nodiscard]] std::string fixed(double value, int digits);
/// Nanoseconds as µs or ms text.
[[nodiscard]] std::string duration_text(std::int64_t ns);
/// Value at quantile q (0..1) of samples (sorted in place); 0 when empty.
[[nodiscard]] std::int64_t percentile(std::vector<std::int64_t>& samples, double q);

} // namespace nb::bench
