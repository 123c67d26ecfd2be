#include "dbus/call_errors.hpp"

#include <string>

namespace nb::dbus {

std::optional<sdbus::Error> error_for(core::Verdict verdict, std::string_view who) {
    const std::string caller(who);
    switch (verdict) {
    case core::Verdict::accepted:
        return std::nullopt;
    case core::Verdict::forbidden_key:
        return sdbus::Error(error_access_denied,
                            "a key workers may not send (MAINPID, FDSTORE, NOTIFYACCESS, ...)");
    case core::Verdict::unauthorised:
        return sdbus::Error(error_access_denied, "no allow rule admits " + caller);
    case core::Verdict::name_denied:
        return sdbus::Error(error_access_denied, caller + " may not report under that name");
    case core::Verdict::invalid_name:
        return sdbus::Error(error_invalid_args,
                            "the worker name is empty, too long or has characters we refuse");
    case core::Verdict::rate_limited:
        return sdbus::Error(error_limits_exceeded, "rate limit reached for " + caller);
    case core::Verdict::too_many_workers:
        return sdbus::Error(error_limits_exceeded, "the broker tracks its maximum of workers");
    case core::Verdict::stopping:
        return sdbus::Error(error_stopping, "the broker is stopping");
    }
    return sdbus::Error(error_failed, "refused");
}

} // namespace nb::dbus
