#include "core/main_process_claim.hpp"

#include <charconv>
#include <string_view>

namespace nb::core {
namespace {

std::optional<std::uint64_t> parse_id(std::string_view text) noexcept {
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return id;
}

} // namespace

std::optional<MainProcessClaim> main_process_claim(const proto::Message& message, std::size_t fds) {
    MainProcessClaim claim;
    if (const auto pidfd = message.get("MAINPIDFD")) {
        claim.kind = MainProcessClaim::Kind::pidfd;
        claim.key = "MAINPIDFD=" + std::string(*pidfd);
        if (*pidfd != "1") {
            claim.refusal = "MAINPIDFD= must be 1";
        } else if (fds != 1) {
            // systemd ignores the main pid change then: which fd would it be?
            claim.refusal =
                "MAINPIDFD=1 needs exactly one fd, the pidfd; got " + std::to_string(fds);
        }
        return claim; // MAINPID= and MAINPIDFDID= are not read beside it (systemd neither)
    }
    const auto pid = message.mainpid(); // its value was checked by proto's parse()
    if (!pid) {
        return std::nullopt;
    }
    claim.pid = *pid;
    claim.key = "MAINPID=" + std::to_string(*pid);
    if (const auto id = message.get("MAINPIDFDID")) {
        claim.pidfd_id = parse_id(*id);
        if (!claim.pidfd_id) {
            claim.refusal = "MAINPIDFDID= must be a pidfd inode id (an unsigned 64-bit decimal)";
        }
    }
    return claim;
}

} // namespace nb::core
