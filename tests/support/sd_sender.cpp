// nb-sd-sender: sends with libsystemd's own sd-daemon calls, so tests can
// compare our receiver and client against the reference implementation.
//   nb-sd-sender notify STATE
//   nb-sd-sender pid-notify PID STATE
//   nb-sd-sender notify-fds N STATE      (N descriptors of /dev/null)
//   nb-sd-sender barrier TIMEOUT_USEC
//   nb-sd-sender watchdog-enabled        (prints "usec=N" when enabled)
// Prints "r=<return value>"; exits 0 if r > 0, 3 if r == 0 (NOTIFY_SOCKET
// unset, or watchdog disabled), 1 if r < 0, 2 on a usage error.

#include <systemd/sd-daemon.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

int finish(int r) {
    std::printf("r=%d\n", r);
    if (r < 0) {
        std::printf("error=%s\n", std::strerror(-r));
        return 1;
    }
    return r > 0 ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: nb-sd-sender COMMAND ARGS...\n");
        return 2;
    }
    const std::string_view command = argv[1];
    if (command == "notify" && argc == 3) {
        return finish(sd_notify(0, argv[2]));
    }
    if (command == "pid-notify" && argc == 4) {
        return finish(sd_pid_notify(static_cast<pid_t>(std::atoi(argv[2])), 0, argv[3]));
    }
    if (command == "notify-fds" && argc == 4) {
        std::vector<int> fds;
        for (int i = 0; i < std::atoi(argv[2]); ++i) {
            fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
        }
        const int r =
            sd_pid_notify_with_fds(0, 0, argv[3], fds.data(), static_cast<unsigned>(fds.size()));
        for (const int fd : fds) {
            close(fd);
        }
        return finish(r);
    }
    if (command == "barrier" && argc == 3) {
        return finish(sd_notify_barrier(0, std::strtoull(argv[2], nullptr, 10)));
    }
    if (command == "watchdog-enabled" && argc == 2) {
        std::uint64_t usec = 0;
        const int r = sd_watchdog_enabled(0, &usec);
        if (r > 0) {
            std::printf("usec=%" PRIu64 "\n", usec);
        }
        return finish(r);
    }
    std::fprintf(stderr, "nb-sd-sender: bad arguments\n");
    return 2;
}
