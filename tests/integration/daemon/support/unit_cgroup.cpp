#include "unit_cgroup.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace nb::test {

ChildProcess process_in(const TestCgroup& unit) {
    SpawnOptions options;
    options.stdin_pipe = true;
    return ChildProcess::fork(
        [&] {
            if (!unit.enter()) {
                return 3;
            }
            char in = 0;
            while (::read(STDIN_FILENO, &in, 1) > 0) {
            }
            return 0;
        },
        options);
}

std::filesystem::path cgroup2_mount() {
    std::ifstream mounts("/proc/self/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string device;
        std::string target;
        std::string type;
        fields >> device >> target >> type;
        if (type == "cgroup2") {
            return target;
        }
    }
    return {};
}

TestCgroup::TestCgroup(const std::string& path) {
    const auto root = cgroup2_mount();
    if (root.empty() || ::geteuid() != 0) {
        return;
    }
    slice_ = root / ("nb-test-" + std::to_string(::getpid()) + ".slice");
    path_ = slice_ / path;
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) {
        path_.clear();
    }
}

TestCgroup::~TestCgroup() {
    std::error_code ec;
    for (auto dir = path_; !dir.empty() && dir != slice_.parent_path(); dir = dir.parent_path()) {
        std::filesystem::remove(dir, ec); // fails harmlessly while a sibling is there
    }
}

bool TestCgroup::enter() const {
    std::ofstream procs(path_ / "cgroup.procs");
    procs << 0 << std::flush;
    return procs.good();
}

bool TestCgroup::wait_populated() const {
    // cgroup.procs has no event of its own; poll it briefly (the mover is a
    // forked child writing its own pid, so this is a matter of milliseconds).
    for (int i = 0; i < 500; ++i) {
        std::ifstream procs(path_ / "cgroup.procs");
        std::string pid;
        if (std::getline(procs, pid) && !pid.empty()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace nb::test
