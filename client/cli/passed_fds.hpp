#pragma once
// The descriptors of systemd-notify --fd=FD (254+): on the first --fd= the
// process takes possession of every descriptor it inherited (>= 3, without
// FD_CLOEXEC); each --fd= moves one of them into the message (0-2 are copied,
// so stdio stays); the inherited ones no --fd= names are closed when parsing
// ends, and the rest once the message is sent (before --exec runs anything).

#include <cstddef>
#include <span>
#include <vector>

namespace nb::cli {

class PassedFds {
public:
    PassedFds() = default;
    PassedFds(PassedFds&& other) noexcept;
    PassedFds& operator=(PassedFds&& other) noexcept;
    PassedFds(const PassedFds&) = delete;
    PassedFds& operator=(const PassedFds&) = delete;
    ~PassedFds();

    /// --fd=fd. Returns 0 or -errno (ENOENT: not inherited, or named twice).
    int take(int fd);

    /// Closes the inherited descriptors no --fd= named; returns how many.
    std::size_t close_unreferenced() noexcept;

    /// Closes the taken ones (after sending).
    void close_taken() noexcept;

    [[nodiscard]] std::span<const int> taken() const noexcept { return taken_; }
    [[nodiscard]] bool empty() const noexcept { return taken_.empty(); }

private:
    bool filled_ = false;
    std::vector<int> inherited_; ///< not yet named by --fd=
    std::vector<int> taken_;     ///< owned, in command-line order
};

/// systemd's parse_fd(): a decimal >= 0. Returns the fd or -errno.
int parse_fd(const char* text);

} // namespace nb::cli
