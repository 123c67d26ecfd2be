#include "synthetic_units.hpp"

#include "net.hpp"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text << std::flush;
    if (!out) {
        throw std::runtime_error("cannot write " + path);
    }
}

} // namespace

std::string SyntheticUnits::cgroup2_mount() {
    std::ifstream mounts("/proc/self/mounts");
    for (std::string line; std::getline(mounts, line);) {
        std::istringstream fields(line);
        std::string device, point, type;
        if (fields >> device >> point >> type && type == "cgroup2") {
            return point;
        }
    }
    return {};
}

std::string SyntheticUnits::unavailable() {
    if (::geteuid() != 0) {
        return "needs root (cgroups and a mount namespace)";
    }
    const std::string mount = cgroup2_mount();
    if (mount.empty()) {
        return "no cgroup2 mount";
    }
    if (::access(mount.c_str(), W_OK) != 0) {
        return "cgroup2 at " + mount + " is read-only";
    }
    return {};
}

SyntheticUnits::SyntheticUnits(std::size_t matching, std::size_t others) {
    if (const auto why = unavailable(); !why.empty()) {
        throw std::runtime_error("synthetic units: " + why);
    }
    static int trees = 0; // one process may make several: each its own directory
    root_ = cgroup2_mount() + "/nb-bench-units-" + std::to_string(::getpid()) + "-" +
            std::to_string(++trees);
    try {
        make_dir(root_);
        make_dir(root_ + "/system.slice");
        make_dir(root_ + "/system.slice/system-bench.slice");
        for (std::size_t i = 0; i < others; ++i) {
            make_dir(root_ + "/system.slice/other-" + std::to_string(i) + ".service");
        }
        for (std::size_t i = 1; i <= matching; ++i) {
            const std::string unit =
                root_ + "/system.slice/system-bench.slice/bench@" + std::to_string(i) + ".service";
            make_dir(unit);
            Child sleeper = Child::fork([] {
                // Gone with its creator, even one that crashed: no cgroup stays populated.
                ::prctl(PR_SET_PDEATHSIG, SIGKILL);
                ::pause();
                return 0;
            });
            write_text(unit + "/cgroup.procs", std::to_string(sleeper.pid()));
            sleepers_.push_back(std::move(sleeper));
        }
    } catch (...) {
        remove(); // the constructor did not finish: undo what it made
        throw;
    }
}

SyntheticUnits::~SyntheticUnits() {
    remove();
}

void SyntheticUnits::remove() noexcept {
    sleepers_.clear(); // SIGKILL + reap: every unit's cgroup empties
    for (auto dir = dirs_.rbegin(); dir != dirs_.rend(); ++dir) {
        // The kernel updates "populated" shortly after the last exit: retry briefly.
        for (int attempt = 0; attempt < 100 && ::rmdir(dir->c_str()) != 0 && errno == EBUSY;
             ++attempt) {
            std::this_thread::sleep_for(10ms);
        }
    }
    dirs_.clear();
}

void SyntheticUnits::make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0) {
        fail_errno("mkdir " + path);
    }
    dirs_.push_back(path);
}

} // namespace nb::bench
