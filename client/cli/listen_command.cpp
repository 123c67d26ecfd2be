// `notify-broker listen`: plays systemd's side of the protocol. Binds a
// datagram socket with SO_PASSCRED, prints every notification (one line each,
// flushed, so scripts and tests can follow it), and closes every received fd
// after printing: closing the BARRIER=1 fd releases the sender's barrier only
// once the line is out.

#include "listen_socket.hpp"
#include "notification_format.hpp"
#include "stop_signals.hpp"
#include "subcommand.hpp"

#include <nb/proto/message.hpp>

#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <getopt.h>
#include <poll.h>

namespace nb::cli {
namespace {

struct ListenOptions {
    std::string socket;
    bool json = false;
    std::optional<unsigned long> count;
    bool exit_on_ready = false;
    std::optional<double> timeout_seconds;
};

void print_help() {
    std::printf("notify-broker listen --socket=PATH|@NAME [OPTIONS...]\n"
                "\n"
                "Receive sd_notify datagrams like the service manager does and print one\n"
                "line per notification: time, sender pid/uid/gid, fd count, assignments.\n"
                "Point a service's NOTIFY_SOCKET at the same address to debug it.\n"
                "\n"
                "  -h --help            Show this help\n"
                "     --socket=ADDRESS  Socket path, or @NAME for an abstract socket\n"
                "     --json            One JSON object per line\n"
                "     --count=N         Exit after N notifications\n"
                "     --exit-on-ready   Exit after the first READY=1\n"
                "     --timeout=SECONDS Exit 1 if no notification arrives for SECONDS\n");
}

// Returns 1 to go on, 0 to exit successfully, exit_usage after printing why.
int parse_options(int argc, char** argv, ListenOptions& options) {
    enum { arg_socket = 0x100, arg_json, arg_count, arg_exit_on_ready, arg_timeout };
    static const option table[] = {
        {"help", no_argument, nullptr, 'h'},
        {"socket", required_argument, nullptr, arg_socket},
        {"json", no_argument, nullptr, arg_json},
        {"count", required_argument, nullptr, arg_count},
        {"exit-on-ready", no_argument, nullptr, arg_exit_on_ready},
        {"timeout", required_argument, nullptr, arg_timeout},
        {nullptr, 0, nullptr, 0},
    };
    optind = 0;
    int c = 0;
    while ((c = getopt_long(argc, argv, "h", table, nullptr)) >= 0) {
        switch (c) {
        case 'h':
            print_help();
            return 0;
        case arg_socket:
            options.socket = optarg;
            break;
        case arg_json:
            options.json = true;
            break;
        case arg_count: {
            const std::string_view text(optarg);
            unsigned long n = 0;
            const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (error != std::errc{} || end != text.data() + text.size() || n == 0) {
                std::fprintf(stderr, "notify-broker listen: invalid --count '%s'\n", optarg);
                return exit_usage;
            }
            options.count = n;
            break;
        }
        case arg_exit_on_ready:
            options.exit_on_ready = true;
            break;
        case arg_timeout: {
            char* end = nullptr;
            const double seconds = std::strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || !std::isfinite(seconds) || seconds < 0) {
                std::fprintf(stderr, "notify-broker listen: invalid --timeout '%s'\n", optarg);
                return exit_usage;
            }
            options.timeout_seconds = seconds;
            break;
        }
        default:
            return exit_usage;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "notify-broker listen: unexpected argument '%s'\n", argv[optind]);
        return exit_usage;
    }
    if (options.socket.empty()) {
        std::fprintf(stderr, "notify-broker listen: --socket=PATH|@NAME is required\n");
        return exit_usage;
    }
    return 1;
}

} // namespace

int listen_main(int argc, char** argv) {
    ListenOptions options;
    if (const int r = parse_options(argc, argv, options); r != 1) {
        return r;
    }
    ListenSocket socket;
    if (const auto error = socket.bind(options.socket)) {
        std::fprintf(stderr, "notify-broker listen: %s\n", error->c_str());
        return 1;
    }
    const sigset_t wait_mask = install_stop_handlers();
    std::fprintf(stderr, "Listening on %s\n", options.socket.c_str());

    unsigned long received = 0;
    while (stop_signal() == 0) {
        timespec timeout{};
        timespec* timeout_ptr = nullptr;
        if (options.timeout_seconds) {
            const double whole = std::floor(*options.timeout_seconds);
            timeout.tv_sec = static_cast<time_t>(whole);
            timeout.tv_nsec = static_cast<long>((*options.timeout_seconds - whole) * 1e9);
            timeout_ptr = &timeout;
        }
        pollfd entry{socket.fd(), POLLIN, 0};
        const int n = ppoll(&entry, 1, timeout_ptr, &wait_mask);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::fprintf(stderr, "notify-broker listen: poll: %s\n", std::strerror(errno));
            return 1;
        }
        if (n == 0) {
            std::fprintf(stderr, "notify-broker listen: no notification for %g s\n",
                         *options.timeout_seconds);
            return 1;
        }
        auto datagram = socket.receive();
        if (!datagram) {
            continue; // EAGAIN or EINTR; receive() reports real errors itself
        }
        const auto line = options.json ? format_json(datagram->notification)
                                       : format_text(datagram->notification);
        std::fprintf(stdout, "%s\n", line.c_str());
        std::fflush(stdout);
        const bool was_ready = datagram->ready();
        datagram.reset(); // closes the fds, releasing a barrier after the print
        ++received;
        if ((options.count && received >= *options.count) || (options.exit_on_ready && was_ready)) {
            break;
        }
    }
    return 0;
}

} // namespace nb::cli
