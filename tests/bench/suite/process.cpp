#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace nb::bench {
namespace {

int exit_code_of(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return 128 + WTERMSIG(status);
}

std::vector<std::string> merged_environment(const std::vector<std::string>& changes) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        env.emplace_back(*entry);
    }
    for (const auto& change : changes) {
        const auto name = change.substr(0, change.find('='));
        std::erase_if(env, [&](const std::string& e) { return e.substr(0, e.find('=')) == name; });
        if (change.find('=') != std::string::npos) {
            env.push_back(change);
        }
    }
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

} // namespace

Child Child::exec(const ExecSpec& spec) {
    std::vector<std::string> args = spec.argv;
    std::vector<std::string> env = merged_environment(spec.env);
    auto argv = pointers(args);
    auto envp = pointers(env);
    const std::string output = spec.output_path.empty() ? "/dev/null" : spec.output_path;
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::close(report[0]);
        const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int null = ::open("/dev/null", O_RDONLY);
        if (out >= 0) {
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
        }
        if (null >= 0) {
            ::dup2(null, STDIN_FILENO);
        }
        if (spec.nofile_soft > 0) {
            rlimit limit{};
            ::getrlimit(RLIMIT_NOFILE, &limit);
            limit.rlim_cur = static_cast<rlim_t>(spec.nofile_soft);
            ::setrlimit(RLIMIT_NOFILE, &limit);
        }
        ::execvpe(argv[0], argv.data(), envp.data()); // PATH search for tools
        const int error = errno;
        [[maybe_unused]] auto n = ::write(report[1], &error, sizeof(error));
        ::_exit(127);
    }
    ::close(report[1]);
    int error = 0;
    const auto got = ::read(report[0], &error, sizeof(error));
    ::close(report[0]);
    Child child(pid);
    if (got == sizeof(error)) {
        child.wait(std::chrono::milliseconds(1000));
        throw std::runtime_error("exec " + spec.argv.front() + ": " + std::strerror(error));
    }
    return child;
}

Child Child::fork(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        int code = 1;
        try {
            code = body();
        } catch (...) {
        }
        ::_exit(code);
    }
    return Child(pid);
}

Child::Child(Child&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

Child& Child::operator=(Child&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        pid_ = std::exchange(other.pid_, -1);
    }
    return *this;
}

Child::~Child() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void Child::signal(int signum) const noexcept {
    if (pid_ > 0) {
        ::kill(pid_, signum);
    }
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) {
        return std::nullopt;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::microseconds(50);
    while (true) {
        int status = 0;
        const pid_t got = ::waitpid(pid_, &status, WNOHANG);
        if (got == pid_) {
            pid_ = -1;
            return exit_code_of(status);
        }
        if (got < 0 && errno != EINTR) {
            pid_ = -1;
            return std::nullopt;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        // waitpid has no timeout; back off (the wait is not what is measured).
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(5000));
    }
}

long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return -1;
}

long voluntary_switches(pid_t pid) {
    long total = 0;
    bool any = false;
    std::error_code ec;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream in(task.path() / "status");
        std::string line;
        while (std::getline(in, line)) {
            if (line.starts_with("voluntary_ctxt_switches:")) {
                total += std::strtol(line.c_str() + 24, nullptr, 10);
                any = true;
            }
        }
    }
    return any ? total : -1;
}

std::int64_t cpu_ns(pid_t pid) {
    std::int64_t total = 0;
    bool any = false;
    std::error_code ec;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream in(task.path() / "schedstat");
        std::int64_t ns = 0;
        if (in >> ns) {
            total += ns;
            any = true;
        }
    }
    return any ? total : -1;
}

} // namespace nb::bench
