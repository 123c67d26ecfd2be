#include "dbus/call_errors.hpp"

#include <nb/dbus/sdbus_seam.hpp>

#include <array>
#include <cstddef>
#include <string>

namespace nb::dbus {
namespace {

struct Refusal {
    const char* error;    ///< nullptr: not refused
    std::string_view why; ///< "{}" is where the caller's name goes
};

// Indexed by core::Verdict; the last one is checked.
constexpr std::array<Refusal, 9> refusals{{
    {nullptr, ""},
    {error_access_denied, "a key workers may not send (MAINPID, FDSTORE, NOTIFYACCESS, ...)"},
    {error_access_denied, "no allow rule admits {}"},
    {error_access_denied, "{} may not report under that name"},
    {error_invalid_args, "the worker name is empty, too long or has characters we refuse"},
    {error_limits_exceeded, "rate limit reached for {}"},
    {error_limits_exceeded, "the broker tracks its maximum of workers"},
    {error_stopping, "the broker is stopping"},
    {error_access_denied, "another live process holds that worker name"},
}};
static_assert(static_cast<std::size_t>(core::Verdict::name_held) + 1 == refusals.size());

} // namespace

std::optional<sdbus::Error> error_for(core::Verdict verdict, std::string_view who) {
    const auto index = static_cast<std::size_t>(verdict);
    if (index >= refusals.size()) {
        return sdbus_seam::make_error(error_failed, "refused");
    }
    const Refusal& refusal = refusals[index];
    if (refusal.error == nullptr) {
        return std::nullopt;
    }
    std::string why(refusal.why);
    if (const auto at = why.find("{}"); at != std::string::npos) {
        why.replace(at, 2, who);
    }
    return sdbus_seam::make_error(refusal.error, why);
}

} // namespace nb::dbus
