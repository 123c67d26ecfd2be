#pragma once
// A fresh directory under /tmp for one test (sockets, logs, config), removed
// with everything in it at the end. World-traversable so that a worker running
// as another uid can reach the broker's socket.

#include <filesystem>
#include <string>

namespace nb::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::string file(const std::string& name) const {
        return (path_ / name).string();
    }
    /// Writes text to name and returns its path.
    std::string write(const std::string& name, const std::string& text) const;

private:
    std::filesystem::path path_;
};

} // namespace nb::test
