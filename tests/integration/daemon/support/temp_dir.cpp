#include "temp_dir.hpp"

#include <fstream>
#include <stdexcept>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace nb::test {

TempDir::TempDir() {
    std::string pattern = "/tmp/nb-daemon-test-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = buffer.data();
    ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
    const auto target = file(name);
    std::ofstream out(target, std::ios::binary);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + target);
    }
    return target;
}

} // namespace nb::test
