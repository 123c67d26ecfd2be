#include "broker_run.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <poll.h>
#include <sys/inotify.h>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view socket_name = "notify.sock";

std::uint64_t number_after(const std::string& text, const std::string& marker) {
    const auto at = text.rfind(marker);
    return at == std::string::npos ? 0
                                   : std::strtoull(text.c_str() + at + marker.size(), nullptr, 10);
}

std::vector<std::string> words_of(const char* text) {
    std::vector<std::string> words;
    std::istringstream in(text == nullptr ? "" : text);
    for (std::string word; in >> word;) {
        words.push_back(word);
    }
    return words;
}

/// Waits for IN_CREATE of `name` in the watched dir; the time it was seen.
std::optional<std::int64_t> wait_created(int inotify, std::string_view name,
                                         std::chrono::milliseconds timeout) {
    alignas(inotify_event) std::array<char, 4096> buffer{};
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        pollfd entry{inotify, POLLIN, 0};
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (::poll(&entry, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) {
            continue;
        }
        const auto got = ::read(inotify, buffer.data(), buffer.size());
        const std::int64_t at = now_ns();
        for (std::size_t offset = 0; got > 0 && offset < static_cast<std::size_t>(got);) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
            if (event->len > 0 && std::string_view(event->name) == name) {
                return at;
            }
            offset += sizeof(inotify_event) + event->len;
        }
    }
    return std::nullopt;
}

} // namespace

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nb-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        fail_errno("mkdtemp");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

BrokerRun::BrokerRun(const Programs& programs, const BrokerOptions& options)
    : socket_path_(dir_.path() + "/" + std::string(socket_name))
    , log_path_(dir_.path() + "/broker.log")
    , upstream_(std::make_unique<UpstreamReceiver>(dir_.path() + "/upstream.sock")) {
    const std::string config_path = dir_.path() + "/broker.toml";
    {
        std::ofstream config(config_path);
        config << "[broker]\nsocket = \"" << socket_path_ << "\"\nlog_level = \""
               << options.log_level << "\"\n"
               << options.broker_keys << "\n[dbus]\nbus = \"none\"\n\n"
               << options.rest << "\n";
    }
    UniqueFd inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify || ::inotify_add_watch(inotify.get(), dir_.path().c_str(), IN_CREATE) < 0) {
        fail_errno("inotify");
    }
    ExecSpec spec;
    spec.argv = words_of(std::getenv("NB_BENCH_BROKER_PREFIX"));
    spec.argv.insert(spec.argv.end(), {programs.brokerd, "--config", config_path});
    spec.argv.insert(spec.argv.end(), options.args.begin(), options.args.end());
    spec.env = {"NOTIFY_SOCKET=" + upstream_->path(), "LISTEN_FDS", "LISTEN_PID", "WATCHDOG_USEC",
                "WATCHDOG_PID"};
    spec.env.insert(spec.env.end(), options.env.begin(), options.env.end());
    spec.output_path = log_path_;
    spec.nofile_soft = options.nofile_soft;
    const std::int64_t started = now_ns();
    child_ = Child::exec(spec);
    const auto created = wait_created(inotify.get(), socket_name, 10s);
    if (!created) {
        throw std::runtime_error("notify-brokerd did not create its socket; log:\n" + log_text());
    }
    socket_ready_ns_ = *created - started;
    const auto first = upstream_->receive(10s);
    if (!first) {
        throw std::runtime_error("notify-brokerd sent nothing upstream; log:\n" + log_text());
    }
    first_upstream_ns_ = first->at_ns - started;
    first_upstream_ = first->text;
    if (auto attach = words_of(std::getenv("NB_BENCH_ATTACH")); !attach.empty()) {
        for (auto& word : attach) {
            if (const auto at = word.find("{pid}"); at != std::string::npos) {
                word.replace(at, 5, std::to_string(child_.pid()));
            }
        }
        ExecSpec tool;
        tool.argv = attach;
        tool.output_path = dir_.path() + "/attach.log";
        attached_ = Child::exec(tool);
    }
}

BrokerRun::~BrokerRun() {
    if (child_.pid() > 0) {
        child_.signal(SIGTERM);
        child_.wait(5s);
    }
}

BrokerSummary BrokerRun::stop() {
    BrokerSummary summary;
    if (attached_.pid() > 0) {
        attached_.signal(SIGINT);
        attached_.wait(60s);
    }
    child_.signal(SIGTERM);
    summary.exit_code = child_.wait(120s).value_or(-1);
    const std::string text = log_text();
    summary.received = number_after(text, "received ");
    summary.accepted = number_after(text, "datagrams, accepted ");
    summary.sent_upstream = number_after(text, "sent upstream ");
    return summary;
}

std::string BrokerRun::log_text() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace nb::bench
