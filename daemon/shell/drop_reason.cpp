#include "shell/drop_reason.hpp"

namespace nb::daemon {

std::string_view to_string(DropReason reason) noexcept {
    switch (reason) {
    case DropReason::oversize:
        return "oversize";
    case DropReason::truncated_control:
        return "truncated-control";
    case DropReason::malformed:
        return "malformed";
    case DropReason::bad_barrier:
        return "bad-barrier";
    case DropReason::no_credentials:
        return "no-credentials";
    case DropReason::forbidden_key:
        return "forbidden-key";
    case DropReason::unauthorised:
        return "unauthorised";
    case DropReason::name_denied:
        return "name-denied";
    case DropReason::invalid_name:
        return "invalid-name";
    case DropReason::rate_limited:
        return "rate-limited";
    case DropReason::too_many_workers:
        return "too-many-workers";
    case DropReason::stopping:
        return "stopping";
    }
    return "unknown";
}

DropReason drop_reason_for(core::Verdict verdict) noexcept {
    switch (verdict) {
    case core::Verdict::forbidden_key:
        return DropReason::forbidden_key;
    case core::Verdict::unauthorised:
        return DropReason::unauthorised;
    case core::Verdict::name_denied:
        return DropReason::name_denied;
    case core::Verdict::invalid_name:
        return DropReason::invalid_name;
    case core::Verdict::rate_limited:
        return DropReason::rate_limited;
    case core::Verdict::too_many_workers:
        return DropReason::too_many_workers;
    case core::Verdict::stopping:
    case core::Verdict::accepted:
        break;
    }
    return DropReason::stopping;
}

} // namespace nb::daemon
