#include "shell/process_ids.hpp"

#include "base/proc_file.hpp"

#include <charconv>

namespace nb::daemon {
namespace {

/// The second whitespace-separated number after `key` at the start of a line.
std::optional<unsigned long> effective_field(std::string_view status,
                                             std::string_view key) noexcept {
    for (std::size_t at = 0; at < status.size();) {
        const auto end = std::min(status.find('\n', at), status.size());
        std::string_view line = status.substr(at, end - at);
        at = end + 1;
        if (!line.starts_with(key)) {
            continue;
        }
        line.remove_prefix(key.size());
        std::optional<unsigned long> value;
        for (int field = 0; field < 2; ++field) {
            const auto start = line.find_first_not_of(" \t");
            if (start == std::string_view::npos) {
                return std::nullopt;
            }
            line.remove_prefix(start);
            unsigned long number = 0;
            const auto [next, error] =
                std::from_chars(line.data(), line.data() + line.size(), number);
            if (error != std::errc{} || next == line.data()) {
                return std::nullopt;
            }
            line.remove_prefix(static_cast<std::size_t>(next - line.data()));
            value = number;
        }
        return value;
    }
    return std::nullopt;
}

} // namespace

std::optional<ProcessIds> effective_ids_from_status(std::string_view status) noexcept {
    const auto uid = effective_field(status, "Uid:");
    const auto gid = effective_field(status, "Gid:");
    if (!uid || !gid) {
        return std::nullopt;
    }
    return ProcessIds{static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)};
}

std::optional<ProcessIds> read_effective_ids(pid_t pid) {
    const auto status = read_proc_file(pid, "status");
    return status ? effective_ids_from_status(*status) : std::nullopt;
}

} // namespace nb::daemon
