#include "send_options.hpp"

#include "subcommand.hpp"

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <getopt.h>
#include <pwd.h>
#include <unistd.h>

#ifndef NB_VERSION
#define NB_VERSION "unknown"
#endif

namespace nb::cli {
namespace {

void print_help() {
    std::printf("notify-broker [OPTIONS...] [VARIABLE=VALUE...]\n"
                "notify-broker COMMAND [OPTIONS...]\n"
                "\n"
                "Notify the service manager (or a notify-broker) about service status updates.\n"
                "Compatible with systemd-notify.\n"
                "\n"
                "  -h --help            Show this help\n"
                "     --version         Show package version\n"
                "     --ready           Inform the service manager about service start-up/reload\n"
                "                       completion\n"
                "     --reloading       Inform the service manager about configuration reloading\n"
                "     --stopping        Inform the service manager about service shutdown\n"
                "     --pid[=PID]       Set main PID of daemon (auto, self, parent or a number)\n"
                "     --uid=USER        Set user to send from\n"
                "     --status=TEXT     Set status text\n"
                "     --booted          Check if the system was booted up with systemd\n"
                "     --no-block        Do not wait until operation finished\n"
                "\n"
                "Commands:\n");
    for (const auto& command : subcommands()) {
        std::printf("  %-20.*s %.*s\n", static_cast<int>(command.name.size()), command.name.data(),
                    static_cast<int>(command.summary.size()), command.summary.data());
    }
    std::printf("\nSee notify-broker COMMAND --help for a command's options.\n");
}

// systemd's get_user_creds() then parse_uid(): a user name or a number; a
// number without a passwd entry is accepted as a bare uid (gid unchanged).
int resolve_user(const char* text, SendOptions& options) {
    const std::string_view view(text);
    unsigned long number = 0;
    const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), number);
    const bool numeric = !view.empty() && error == std::errc{} && end == view.data() + view.size();
    if (numeric && (number >= UINT32_MAX || number == 65535)) {
        return ENXIO; // (uid_t)-1 and the 16-bit (uid_t)-1 are never valid
    }
    passwd entry{};
    passwd* found = nullptr;
    char buffer[4096];
    if (numeric) {
        getpwuid_r(static_cast<uid_t>(number), &entry, buffer, sizeof(buffer), &found);
    } else {
        getpwnam_r(text, &entry, buffer, sizeof(buffer), &found);
    }
    if (found != nullptr) {
        options.uid = found->pw_uid;
        options.gid = found->pw_gid;
        return 0;
    }
    if (!numeric) {
        return EINVAL;
    }
    options.uid = static_cast<uid_t>(number);
    return 0;
}

int parse_pid_option(const char* text, SendOptions& options) {
    const std::string_view value = text == nullptr ? "" : text;
    if (value.empty() || value == "auto") {
        options.pid = getppid();
        if (options.pid <= 1 || options.pid == manager_pid()) {
            options.pid = getpid();
        }
    } else if (value == "parent") {
        options.pid = getppid();
    } else if (value == "self") {
        options.pid = getpid();
    } else if (const int error = parse_pid(text, options.pid); error != 0) {
        std::fprintf(stderr, "Failed to parse PID %s.\n", text);
        return -error;
    }
    return 0;
}

} // namespace

pid_t manager_pid() {
    const char* text = std::getenv("MANAGERPID");
    pid_t pid = 0;
    if (text == nullptr || parse_pid(text, pid) != 0) {
        return 0;
    }
    return pid;
}

int parse_pid(const char* text, pid_t& pid) {
    const std::string_view view(text);
    long long number = 0;
    const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), number);
    if (view.empty() || error == std::errc::invalid_argument || end != view.data() + view.size()) {
        return EINVAL;
    }
    if (error == std::errc::result_out_of_range || number <= 0 || number > INT_MAX) {
        return ERANGE;
    }
    pid = static_cast<pid_t>(number);
    return 0;
}

int parse_send_options(int argc, char** argv, SendOptions& options) {
    enum {
        arg_ready = 0x100,
        arg_reloading,
        arg_stopping,
        arg_version,
        arg_pid,
        arg_status,
        arg_booted,
        arg_uid,
        arg_no_block,
    };
    static const option table[] = {
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, arg_version},
        {"ready", no_argument, nullptr, arg_ready},
        {"reloading", no_argument, nullptr, arg_reloading},
        {"stopping", no_argument, nullptr, arg_stopping},
        {"pid", optional_argument, nullptr, arg_pid},
        {"status", required_argument, nullptr, arg_status},
        {"booted", no_argument, nullptr, arg_booted},
        {"uid", required_argument, nullptr, arg_uid},
        {"no-block", no_argument, nullptr, arg_no_block},
        {nullptr, 0, nullptr, 0},
    };

    optind = 0; // full re-initialisation: parse_send_options may run twice in tests
    int c = 0;
    while ((c = getopt_long(argc, argv, "h", table, nullptr)) >= 0) {
        switch (c) {
        case 'h':
            print_help();
            return 0;
        case arg_version:
            std::printf("notify-broker %s (systemd-notify compatible)\n", NB_VERSION);
            return 0;
        case arg_ready:
            options.ready = true;
            break;
        case arg_reloading:
            options.reloading = true;
            break;
        case arg_stopping:
            options.stopping = true;
            break;
        case arg_pid:
            if (const int r = parse_pid_option(optarg, options); r < 0) {
                return r;
            }
            break;
        case arg_status:
            options.status = optarg;
            break;
        case arg_booted:
            options.booted = true;
            break;
        case arg_uid:
            if (const int error = resolve_user(optarg, options); error != 0) {
                std::fprintf(stderr, "Can't resolve user %s: %s\n", optarg, std::strerror(error));
                return -error;
            }
            break;
        case arg_no_block:
            options.no_block = true;
            break;
        default: // '?': getopt_long has said what was wrong
            return -EINVAL;
        }
    }
    for (int i = optind; i < argc; ++i) {
        options.assignments.emplace_back(argv[i]);
    }
    if (options.assignments.empty() && !options.ready && !options.stopping && !options.reloading &&
        !options.status && options.pid == 0 && !options.booted) {
        print_help();
        return -EINVAL;
    }
    return 1;
}

} // namespace nb::cli
