#pragma once
// A fresh directory under $TMPDIR (or /tmp) for one test (sockets, logs,
// config), removed with everything in it at the end. World-traversable, so
// that a worker running as another uid can reach a socket in it.
// Throws std::system_error if it cannot be created.

#include <filesystem>
#include <string>

namespace nb::test {

class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::filesystem::path& name) const {
        return path_ / name;
    }
    /// The path of name in the directory, as a string.
    [[nodiscard]] std::string file(const std::string& name) const {
        return (path_ / name).string();
    }
    /// Writes text to name and returns its path. Throws std::runtime_error.
    std::string write(const std::string& name, const std::string& text) const;

private:
    std::filesystem::path path_;
};

} // namespace nb::test
