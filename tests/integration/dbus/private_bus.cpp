#include "private_bus.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::test {
namespace {

std::runtime_error errno_error(const std::string& what) {
    return std::runtime_error(what + ": " + std::strerror(errno));
}

std::string make_config(const PrivateBusOptions& options, const std::string& socket_path) {
    std::string xml =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <type>session</type>\n"
        "  <listen>unix:path=" +
        socket_path +
        "</listen>\n"
        "  <auth>EXTERNAL</auth>\n"
        "  <policy context=\"default\">\n";
    if (options.allow_any_user) {
        xml += "    <allow user=\"*\"/>\n";
    }
    if (options.system_like) {
        // As /usr/share/dbus-1/system.conf: nothing but the bus driver and replies.
        xml += "    <deny own=\"*\"/>\n"
               "    <deny send_type=\"method_call\"/>\n"
               "    <allow send_type=\"signal\"/>\n"
               "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
               "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
               "    <allow receive_type=\"method_call\"/>\n"
               "    <allow receive_type=\"method_return\"/>\n"
               "    <allow receive_type=\"error\"/>\n"
               "    <allow receive_type=\"signal\"/>\n"
               "    <allow send_destination=\"org.freedesktop.DBus\"\n"
               "           send_interface=\"org.freedesktop.DBus\"/>\n"
               "    <allow send_destination=\"org.freedesktop.DBus\"\n"
               "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
               "    <allow send_destination=\"org.freedesktop.DBus\"\n"
               "           send_interface=\"org.freedesktop.DBus.Properties\"/>\n";
    } else {
        xml += "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
               "    <allow eavesdrop=\"true\"/>\n"
               "    <allow own=\"*\"/>\n";
    }
    xml += "  </policy>\n";
    for (const auto& include : options.includes) {
        xml += "  <include>" + include + "</include>\n";
    }
    xml += "</busconfig>\n";
    return xml;
}

} // namespace

PrivateBus::PrivateBus(PrivateBusOptions options) : options_(std::move(options)) {
    std::string templ = (std::filesystem::temp_directory_path() / "nb-bus-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
        throw errno_error("mkdtemp");
    }
    dir_ = templ;
    // Other uids (the setresuid helper) must reach the socket inside.
    chmod(dir_.c_str(), 0755);
    config_path_ = dir_ + "/bus.conf";
    std::ofstream(config_path_) << make_config(options_, dir_ + "/bus");
    start();
}

PrivateBus::~PrivateBus() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void PrivateBus::start() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        throw errno_error("pipe2");
    }
    // Built before fork(): the child only calls async-signal-safe functions.
    const std::string config = "--config-file=" + config_path_;
    const std::string log_path = dir_ + "/bus.log";
    const pid_t pid = fork();
    if (pid < 0) {
        throw errno_error("fork");
    }
    if (pid == 0) {
        // A test that crashes or times out must not leave the daemon behind.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fds[1], 3); // dup2 clears O_CLOEXEC on the copy
        // Its warnings (e.g. it cannot raise RLIMIT_NOFILE) go to bus.log, not the test output.
        if (const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            log_fd >= 0) {
            dup2(log_fd, 2);
        }
        execlp("dbus-daemon", "dbus-daemon", config.c_str(), "--nofork", "--nopidfile",
               "--print-address=3", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    pid_ = pid;

    // The daemon prints its address once it listens: that is the readiness event.
    std::string line;
    char buf[512];
    pollfd pfd{fds[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos) {
        if (poll(&pfd, 1, 10'000) <= 0) {
            break;
        }
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        line.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    const auto newline = line.find('\n');
    if (newline == std::string::npos) {
        stop();
        throw std::runtime_error("dbus-daemon did not print its address");
    }
    address_ = line.substr(0, newline);
}

void PrivateBus::stop() {
    if (pid_ <= 0) {
        return;
    }
    kill(pid_, SIGTERM);
    if (paused_) {
        kill(pid_, SIGCONT); // a stopped process takes its SIGTERM once it runs again
        paused_ = false;
    }
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

void PrivateBus::pause() {
    if (pid_ > 0 && kill(pid_, SIGSTOP) == 0) {
        paused_ = true;
    }
}

void PrivateBus::resume() {
    if (pid_ > 0 && paused_) {
        kill(pid_, SIGCONT);
        paused_ = false;
    }
}

void PrivateBus::restart() {
    stop();
    std::filesystem::remove(dir_ + "/bus");
    start();
}

} // namespace nb::test
