// The key table is documented where users look: README.md and the annotated
// config list every row of core/worker_keys.cpp.
#include "core/worker_keys.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace nb::core {
namespace {

std::string read_all(const char* path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(TheKeyTable, IsListedRowByRowInTheReadme) {
    const std::string readme = read_all(NB_README);
    ASSERT_FALSE(readme.empty()) << NB_README;
    for (const WorkerKey& row : worker_keys()) {
        EXPECT_NE(readme.find("| `" + std::string(row.key) + "` |"), std::string::npos) << row.key;
    }
}

TEST(TheKeyTable, IsListedRowByRowInTheAnnotatedConfig) {
    const std::string config = read_all(NB_EXAMPLE_CONFIG);
    ASSERT_FALSE(config.empty()) << NB_EXAMPLE_CONFIG;
    for (const WorkerKey& row : worker_keys()) {
        EXPECT_NE(config.find("#   " + std::string(row.key) + " "), std::string::npos) << row.key;
    }
}

} // namespace
} // namespace nb::core
