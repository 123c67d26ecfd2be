#include "fork_command.hpp"

#include "listen_socket.hpp"
#include "pidfd_id.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::cli {
namespace {

constexpr std::array forwarded_signals{SIGHUP,  SIGTERM, SIGINT,  SIGQUIT,
                                       SIGTSTP, SIGCONT, SIGUSR1, SIGUSR2};

// What systemd's exit-status.h calls EXIT_EXEC: the child could not exec.
constexpr int exit_exec = 203;

int log_error(int error, const std::string& text) {
    std::fprintf(stderr, "%s: %s\n", text.c_str(), std::strerror(error));
    return -error;
}

// systemd's check on the notify socket of --fork: a line that is exactly READY=1.
bool has_ready_line(std::string_view data) {
    std::size_t start = 0;
    while (start <= data.size()) {
        auto end = data.find('\n', start);
        if (end == std::string_view::npos) {
            end = data.size();
        }
        if (data.substr(start, end - start) == "READY=1") {
            return true;
        }
        start = end + 1;
    }
    return false;
}

// A name no other process binds: our pid and a counter of this process.
std::string socket_address() {
    static std::atomic<unsigned> counter{0};
    return "@notify-broker/fork/" + std::to_string(getpid()) + "/" + std::to_string(counter++);
}

[[noreturn]] void exec_child(std::vector<std::string>& command, const std::string& address,
                             const std::string& line) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0 || ::dup2(null, STDOUT_FILENO) < 0) {
        std::fprintf(stderr, "Failed to connect stdin/stdout to /dev/null: %s\n",
                     std::strerror(errno));
        _exit(EXIT_FAILURE);
    }
    if (::setenv("NOTIFY_SOCKET", address.c_str(), 1) < 0) {
        std::fprintf(stderr, "Failed to set $NOTIFY_SOCKET: %s\n", std::strerror(errno));
        _exit(EXIT_FAILURE);
    }
    std::vector<char*> argv;
    for (auto& argument : command) {
        argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "Failed to execute '%s': %s\n", line.c_str(), std::strerror(errno));
    _exit(exit_exec);
}

// Reads every waiting datagram; true once the child has sent READY=1.
bool child_is_ready(ListenSocket& socket, pid_t child) {
    while (auto datagram = socket.receive()) { // its fds (a barrier's) close here
        const auto& sender = datagram->notification.sender;
        if (!sender || sender->pid != child) {
            std::fprintf(stderr,
                         "Received notification message from unexpected process %d (expected %d), "
                         "ignoring.\n",
                         sender ? sender->pid : 0, child);
            continue;
        }
        if (!datagram->notification.oversized && has_ready_line(datagram->notification.data)) {
            return true;
        }
    }
    return false;
}

// The child has ended: its exit code, or -EPROTO for a signal.
int reap(pid_t child) {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED) < 0) {
        if (errno != EINTR) {
            return -errno;
        }
    }
    if (info.si_code == CLD_EXITED) {
        return info.si_status;
    }
    return -EPROTO; // killed or dumped: not a clean exit, whatever the signal
}

// The forwarded signals, blocked and read from a signalfd while we wait
// (blocked before the fork, so none is lost in between; the child unblocks
// them before it executes the command).
class ForwardedSignals {
public:
    ForwardedSignals() {
        sigemptyset(&set_);
        for (const int number : forwarded_signals) {
            sigaddset(&set_, number);
        }
        sigprocmask(SIG_BLOCK, &set_, &previous_);
        fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
    }
    ForwardedSignals(const ForwardedSignals&) = delete;
    ForwardedSignals& operator=(const ForwardedSignals&) = delete;
    ~ForwardedSignals() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        sigprocmask(SIG_SETMASK, &previous_, nullptr);
    }

    [[nodiscard]] int fd() const noexcept { return fd_; }

    /// Sends every signal received meanwhile on to pid.
    void forward(pid_t pid) const noexcept {
        signalfd_siginfo received{};
        while (::read(fd_, &received, sizeof(received)) == sizeof(received)) {
            ::kill(pid, static_cast<int>(received.ssi_signo));
        }
    }

private:
    sigset_t set_{};
    sigset_t previous_{};
    int fd_ = -1;
};

} // namespace

int fork_main(std::vector<std::string>& command, bool quiet) {
    std::string line;
    for (const auto& argument : command) {
        line += (line.empty() ? "" : " ") + argument;
    }
    ListenSocket socket;
    const std::string address = socket_address();
    if (const auto error = socket.bind(address)) {
        std::fprintf(stderr, "Failed to prepare notify socket: %s\n", error->c_str());
        return -EADDRNOTAVAIL;
    }

    const ForwardedSignals signals;
    if (signals.fd() < 0) {
        return log_error(errno, "Failed to set up signal forwarding");
    }

    std::fflush(stdout); // nothing buffered may be written twice
    const pid_t child = ::fork();
    if (child < 0) {
        return log_error(errno, "Failed to fork child in order to execute '" + line + "'");
    }
    if (child == 0) {
        exec_child(command, address, line);
    }
    if (!quiet) {
        std::printf("%d\n", child);
        std::fflush(stdout);
    }
    PidFd child_fd; // readable once the child has ended
    if (const int error = child_fd.open(child); error != 0 || child_fd.fd() < 0) {
        ::kill(child, SIGKILL);
        (void)reap(child);
        return log_error(error != 0 ? error : ENOSYS, "Failed to allocate child source");
    }

    for (;;) {
        std::array<pollfd, 3> entries{{
            {socket.fd(), POLLIN, 0},
            {child_fd.fd(), POLLIN, 0},
            {signals.fd(), POLLIN, 0},
        }};
        if (::poll(entries.data(), entries.size(), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return log_error(errno, "Failed to run event loop");
        }
        // READY=1 beats the child's exit when both are there: it is the more
        // interesting news (systemd gives the notify socket the higher priority).
        if (child_is_ready(socket, child)) {
            return 0;
        }
        if (entries[1].revents != 0) {
            return reap(child);
        }
        signals.forward(child);
    }
}

} // namespace nb::cli
