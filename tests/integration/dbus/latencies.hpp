#pragma once
// Round-trip times a stall test collects, with the median and the maximum it
// reports. Thread-safety: one thread.

#include <algorithm>
#include <chrono>
#include <vector>

namespace nb::test {

struct Latencies {
    std::vector<double> ms;
    void add(std::chrono::steady_clock::duration d) {
        ms.push_back(std::chrono::duration<double, std::milli>(d).count());
    }
    [[nodiscard]] double max() const {
        return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
    }
    [[nodiscard]] double median() const {
        if (ms.empty()) {
            return 0;
        }
        auto sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        return sorted[sorted.size() / 2];
    }
};

} // namespace nb::test
