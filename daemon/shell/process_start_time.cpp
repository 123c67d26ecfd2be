#include "shell/process_start_time.hpp"

#include "base/proc_file.hpp"

#include <charconv>
#include <string>

namespace nb::daemon {

std::optional<std::uint64_t> start_time_from_stat(std::string_view stat) noexcept {
    // "PID (COMM) STATE PPID ..."; COMM may hold spaces and ')', so count from
    // the last ')'. STATE is field 3, starttime field 22.
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view rest = stat.substr(close + 1);
    constexpr int fields_to_skip = 22 - 3;
    for (int field = 0; field < fields_to_skip; ++field) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) {
            return std::nullopt;
        }
        const auto end = rest.find(' ', start);
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        rest.remove_prefix(end);
    }
    const auto start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        return std::nullopt;
    }
    rest.remove_prefix(start);
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc{} || ptr == rest.data() ||
        (ptr != rest.data() + rest.size() && *ptr != ' ' && *ptr != '\n')) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> read_start_time(pid_t pid) {
    const auto contents = read_proc_file(pid, "stat");
    return contents ? start_time_from_stat(*contents) : std::nullopt;
}

} // namespace nb::daemon
