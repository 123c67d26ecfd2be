#include <nb/test/temp_dir.hpp>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <sys/stat.h>

namespace nb::test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/nb-test-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
    if (::chmod(path_.c_str(), 0755) != 0) {
        const int error = errno;
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
        throw std::system_error(error, std::generic_category(), "chmod " + pattern);
    }
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
