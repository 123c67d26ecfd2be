#include "base/proc_file.hpp"

#include "base/unique_fd.hpp"

#include <array>

#include <fcntl.h>
#include <unistd.h>

namespace nb::daemon {

std::optional<std::string> read_small_file(const std::string& path, std::size_t limit) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    std::array<char, 4096> buffer{};
    std::string contents;
    while (contents.size() < limit) {
        const auto n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n <= 0) {
            break;
        }
        contents.append(buffer.data(), static_cast<std::size_t>(n));
    }
    if (contents.size() > limit) {
        contents.resize(limit);
    }
    return contents;
}

std::optional<std::string> read_proc_file(pid_t pid, std::string_view name, std::size_t limit) {
    std::string path = "/proc/" + std::to_string(pid) + "/";
    path += name;
    return read_small_file(path, limit);
}

} // namespace nb::daemon
