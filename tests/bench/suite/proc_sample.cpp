#include "proc_sample.hpp"

#include "base/proc_file.hpp"
#include "process.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace nb::bench {
namespace {

std::int64_t process_cpu_ns(pid_t pid) {
    clockid_t clock{};
    timespec ts{};
    if (::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &ts) != 0) {
        return -1;
    }
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// cutime + cstime (fields 16 and 17 of /proc/PID/stat), in ns.
std::int64_t children_cpu_ns(pid_t pid) {
    const auto contents = nb::daemon::read_proc_file(pid, "stat");
    const std::string text = contents.value_or("");
    const auto close = text.rfind(')'); // the command name may hold spaces and parentheses
    if (close == std::string::npos) {
        return -1;
    }
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    long long cutime = 0;
    long long cstime = 0;
    // Field 3 (state) is the first after ')': cutime is the 14th from there.
    for (int index = 3; index <= 17 && fields >> field; ++index) {
        if (index == 16) {
            cutime = std::atoll(field.c_str());
        } else if (index == 17) {
            cstime = std::atoll(field.c_str());
        }
    }
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return (cutime + cstime) * (1'000'000'000LL / (ticks > 0 ? ticks : 100));
}

} // namespace

ProcSample sample_process(pid_t pid) {
    ProcSample sample;
    sample.cpu_ns = process_cpu_ns(pid);
    sample.children_cpu_ns = children_cpu_ns(pid);
    sample.rss_kib = rss_kib(pid);
    const std::string dir = "/proc/" + std::to_string(pid);
    std::error_code ec;
    long fds = 0;
    for (auto it = std::filesystem::directory_iterator(dir + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++fds;
    }
    sample.fds = ec ? -1 : fds;
    long voluntary = 0;
    long involuntary = 0;
    long threads = 0;
    for (auto it = std::filesystem::directory_iterator(dir + "/task", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        std::ifstream in(it->path() / "status");
        for (std::string line; std::getline(in, line);) {
            if (line.starts_with("voluntary_ctxt_switches:")) {
                voluntary += std::strtol(line.c_str() + 24, nullptr, 10);
            } else if (line.starts_with("nonvoluntary_ctxt_switches:")) {
                involuntary += std::strtol(line.c_str() + 27, nullptr, 10);
            }
        }
        ++threads;
    }
    if (threads > 0) {
        sample.voluntary = voluntary;
        sample.involuntary = involuntary;
        sample.threads = threads;
    }
    return sample;
}

} // namespace nb::bench
