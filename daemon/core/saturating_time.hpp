#pragma once
// Time arithmetic that cannot wrap: a deadline `now + span` whose span comes
// from a worker (EXTEND_TIMEOUT_USEC up to 2^64-1 µs) or from a config is
// clamped to the clock's last (or first) representable instant instead of
// overflowing the nanosecond count into the past. Header-only, constexpr.

#include <chrono>
#include <ratio>
#include <type_traits>

namespace nb::core {

/// `at + by`, or time_point::max() (min() for a negative `by`) when that
/// does not fit. `by` must be no finer than the time point (µs, ms, s into ns).
template <class Clock, class Duration, class Rep, class Period>
[[nodiscard]] constexpr std::chrono::time_point<Clock, Duration>
saturating_add(std::chrono::time_point<Clock, Duration> at,
               std::chrono::duration<Rep, Period> by) noexcept {
    using Point = std::chrono::time_point<Clock, Duration>;
    using Count = typename Duration::rep;
    using Ratio = std::ratio_divide<Period, typename Duration::period>;
    static_assert(std::is_integral_v<Rep> && std::is_integral_v<Count>);
    static_assert(Ratio::den == 1, "by must be no finer than the time point");
    Count step{};
    if (__builtin_mul_overflow(by.count(), Ratio::num, &step)) {
        return by.count() < 0 ? Point::min() : Point::max();
    }
    Count sum{};
    if (__builtin_add_overflow(at.time_since_epoch().count(), step, &sum)) {
        return step < 0 ? Point::min() : Point::max();
    }
    return Point(Duration(sum));
}

} // namespace nb::core
