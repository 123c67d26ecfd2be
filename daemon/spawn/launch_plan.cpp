#include "spawn/launch_plan.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX declares it nowhere else

namespace nb::spawn {
namespace {

constexpr std::string_view watchdog_pid_key = "WATCHDOG_PID=";
constexpr std::size_t pid_digits = 20;

// The broker's own context, which must not leak to its children: they get the
// broker's socket instead, and activation fds are the broker's.
bool is_broker_variable(std::string_view entry) {
    constexpr std::array<std::string_view, 9> keys{
        "NOTIFY_SOCKET",        "WATCHDOG_USEC",  "WATCHDOG_PID",   "LISTEN_FDS",
        "LISTEN_PID",           "LISTEN_FDNAMES", "LISTEN_PIDFDID", "NOTIFY_BROKER_WORKER_INDEX",
        "NOTIFY_BROKER_WORKERS"};
    const std::string_view key = entry.substr(0, entry.find('='));
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool is_executable_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

// execvp's search, done in the parent so that the child only calls execve().
proto::Result<std::string> resolve(const std::string& program,
                                   const std::vector<std::string>& environment) {
    if (program.find('/') != std::string::npos) {
        if (!is_executable_file(program)) {
            return proto::Error{"cannot run '" + program + "': " +
                                (::access(program.c_str(), F_OK) == 0
                                     ? std::string("not an executable file")
                                     : std::string(std::strerror(errno)))};
        }
        return program;
    }
    std::string search = "/usr/local/bin:/usr/bin:/bin"; // execvp's default without PATH
    for (const std::string& entry : environment) {
        if (entry.starts_with("PATH=")) {
            search = entry.substr(5);
        }
    }
    std::size_t start = 0;
    while (start <= search.size()) {
        const std::size_t colon = std::min(search.find(':', start), search.size());
        std::string dir = search.substr(start, colon - start);
        if (dir.empty()) {
            dir = ".";
        }
        const std::string candidate = dir + "/" + program;
        if (is_executable_file(candidate)) {
            return candidate;
        }
        start = colon + 1;
    }
    return proto::Error{"cannot run '" + program + "': not found in PATH"};
}

} // namespace

std::vector<std::string> LaunchPlan::current_environment() {
    std::vector<std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        out.emplace_back(*entry);
    }
    return out;
}

proto::Result<LaunchPlan> LaunchPlan::make(const LaunchRequest& request, unsigned index,
                                           const std::vector<std::string>& environment) {
    if (request.command.empty()) {
        return proto::Error{"no command to run"};
    }
    auto path = resolve(request.command.front(), environment);
    if (!path) {
        return path.error();
    }
    LaunchPlan plan;
    plan.path_ = std::move(path).value();
    plan.args_ = request.command;
    for (const std::string& entry : environment) {
        if (!is_broker_variable(entry)) {
            plan.env_.push_back(entry);
        }
    }
    plan.env_.push_back("NOTIFY_SOCKET=" + request.socket_path);
    plan.env_.push_back("NOTIFY_BROKER_WORKER_INDEX=" + std::to_string(index));
    plan.env_.push_back("NOTIFY_BROKER_WORKERS=" + std::to_string(request.copies));
    if (request.watchdog.count() > 0) {
        plan.env_.push_back("WATCHDOG_USEC=" + std::to_string(request.watchdog.count()));
        // Room for the pid; the child fills it in (set_watchdog_pid).
        plan.env_.push_back(std::string(watchdog_pid_key) + std::string(pid_digits, '0'));
        plan.watchdog_pid_entry_ = plan.env_.size() - 1;
    }
    return plan;
}

void LaunchPlan::prepare() {
    argv_.clear();
    for (std::string& arg : args_) {
        argv_.push_back(arg.data());
    }
    argv_.push_back(nullptr);
    envp_.clear();
    for (std::string& entry : env_) {
        envp_.push_back(entry.data());
    }
    envp_.push_back(nullptr);
}

void LaunchPlan::set_watchdog_pid(pid_t pid) noexcept {
    if (watchdog_pid_entry_ == no_watchdog) {
        return;
    }
    char digits[pid_digits];
    std::size_t count = 0;
    auto value = static_cast<unsigned long>(pid);
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0 && count < pid_digits);
    char* out = env_[watchdog_pid_entry_].data() + watchdog_pid_key.size();
    for (std::size_t i = 0; i < count; ++i) {
        out[i] = digits[count - 1 - i];
    }
    out[count] = '\0'; // the reserved room is longer than any pid
}

} // namespace nb::spawn
