#include "broker_process.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <signal.h>

namespace nb::test {
namespace {

ChildProcess start_broker(const TempDir& dir, UpstreamReceiver& upstream,
                          const BrokerOptions& options, const std::string& socket_path,
                          const std::string& log_path) {
    std::vector<std::string> argv;
    if (const auto limit = options.open_files_limit) {
        const std::string value = std::to_string(*limit);
        argv = {"/usr/bin/prlimit", "--nofile=" + value + ":" + value, "--"};
    }
    if (options.own_pid_namespace || options.network_namespace_queue_limit) {
        argv.push_back("/usr/bin/unshare");
    }
    if (options.own_pid_namespace) {
        argv.insert(argv.end(), {"--pid", "--fork", "--kill-child"});
        if (options.own_proc) {
            argv.push_back("--mount-proc");
        }
    }
    if (const auto limit = options.network_namespace_queue_limit) {
        // sh execs the broker: it keeps the pid LISTEN_PID names.
        argv.insert(argv.end(), {"--net", "/bin/sh", "-c",
                                 "echo " + std::to_string(*limit) +
                                     " >/proc/sys/net/unix/max_dgram_qlen && exec \"$0\" \"$@\""});
    }
    argv.insert(argv.end(), {brokerd_path(), "--log-level", options.log_level});
    if (options.bus_none) {
        argv.insert(argv.end(), {"--bus", "none"});
    }
    if (options.listen_fd < 0 && options.named_listen_fds.empty()) {
        argv.push_back("--socket");
        argv.push_back(socket_path);
    }
    if (!options.config.empty()) {
        argv.push_back("--config");
        argv.push_back(dir.write("broker.toml", options.config));
    }
    argv.insert(argv.end(), options.args.begin(), options.args.end());
    if (!options.command.empty()) {
        argv.push_back("--");
        argv.insert(argv.end(), options.command.begin(), options.command.end());
    }
    SpawnOptions spawn;
    spawn.env["NOTIFY_SOCKET"] = upstream.path();
    spawn.env["WATCHDOG_USEC"] = std::nullopt;
    spawn.env["WATCHDOG_PID"] = std::nullopt;
    spawn.env["LISTEN_FDS"] = std::nullopt;
    spawn.env["LISTEN_PID"] = std::nullopt;
    for (const auto& [name, value] : options.env) {
        spawn.env[name] = value;
    }
    spawn.output_file = log_path;
    spawn.listen_fd = options.listen_fd;
    spawn.named_listen_fds = options.named_listen_fds;
    return ChildProcess::spawn(argv, spawn);
}

/// The only child of unshare(1): the broker, as seen from here. unshare forks
/// at once, so the child exists by the time the broker has said anything.
pid_t only_child(pid_t parent) {
    std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) +
                     "/children");
    pid_t child = -1;
    in >> child;
    return child;
}

} // namespace

std::string brokerd_path() {
    return NB_BROKERD_PATH;
}

BrokerProcess::BrokerProcess(const TempDir& dir, UpstreamReceiver& upstream,
                             const BrokerOptions& options)
    : socket_path_(dir.file("notify.sock"))
    , log_path_(dir.file("broker.log"))
    , child_(start_broker(dir, upstream, options, socket_path_, log_path_)) {
    if (options.wait_until_listening && !upstream.next(std::chrono::seconds(10))) {
        throw std::runtime_error("notify-brokerd sent nothing upstream within 10 s; log:\n" +
                                 log());
    }
    pid_ = options.own_pid_namespace ? only_child(child_.pid()) : child_.pid();
}

void BrokerProcess::signal(int signum) const {
    if (pid_ > 0) {
        ::kill(pid_, signum);
    }
}

std::string BrokerProcess::log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

int BrokerProcess::terminate(std::chrono::milliseconds timeout) {
    signal(SIGTERM);
    return child_.wait_exit_code(timeout);
}

std::size_t BrokerProcess::fd_count() const {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid()) + "/fd")) {
        ++count;
    }
    return count;
}

std::string BrokerProcess::fd_listing() const {
    std::string text;
    for (const auto& entry :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid()) + "/fd")) {
        std::error_code ec;
        text += entry.path().filename().string() + " -> " +
                std::filesystem::read_symlink(entry.path(), ec).string() + "\n";
    }
    return text;
}

namespace {

/// Sum of the values of the /proc/PID/status fields named in `fields`.
long status_fields(pid_t pid, std::initializer_list<std::string_view> fields) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    long sum = 0;
    bool found = false;
    while (std::getline(in, line)) {
        for (const auto field : fields) {
            if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
                line[field.size()] == ':') {
                sum += std::stol(line.substr(field.size() + 1));
                found = true;
            }
        }
    }
    return found ? sum : -1;
}

} // namespace

long BrokerProcess::rss_kib() const {
    return status_fields(pid(), {"VmRSS"});
}

long BrokerProcess::context_switches() const {
    return status_fields(pid(), {"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"});
}

} // namespace nb::test
