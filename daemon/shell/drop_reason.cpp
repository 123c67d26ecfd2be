#include "shell/drop_reason.hpp"

#include "core/enum_names.hpp"

#include <array>

namespace nb::daemon {
namespace {

// In the order of the enumerators; the last one is checked.
constexpr std::array<std::string_view, drop_reason_count> names{
    "oversize",         "truncated-control", "malformed",   "bad-barrier",  "no-credentials",
    "forbidden-key",    "unauthorised",      "name-denied", "invalid-name", "rate-limited",
    "too-many-workers", "stopping",          "name-held"};
static_assert(static_cast<std::size_t>(DropReason::name_held) + 1 == names.size());

// Indexed by core::Verdict; accepted is never dropped (the precondition).
constexpr std::array<DropReason, 9> by_verdict{
    DropReason::stopping,         DropReason::forbidden_key, DropReason::unauthorised,
    DropReason::name_denied,      DropReason::invalid_name,  DropReason::rate_limited,
    DropReason::too_many_workers, DropReason::stopping,      DropReason::name_held};
static_assert(static_cast<std::size_t>(core::Verdict::name_held) + 1 == by_verdict.size());

} // namespace

std::string_view to_string(DropReason reason) noexcept {
    return core::name_of(names, reason);
}

DropReason drop_reason_for(core::Verdict verdict) noexcept {
    const auto index = static_cast<std::size_t>(verdict);
    return index < by_verdict.size() ? by_verdict[index] : DropReason::stopping;
}

} // namespace nb::daemon
