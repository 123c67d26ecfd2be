#include "send_options.hpp"

#include "subcommand.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
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
                "notify-broker [OPTIONS...] --exec [VARIABLE=VALUE...] ; CMDLINE...\n"
                "notify-broker --fork [-q] -- CMDLINE...\n"
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
                "     --exec            Execute command line separated by ';' once done\n"
                "     --fd=FD           Pass specified file descriptor along with the message\n"
                "     --fdname=NAME     Name to assign to passed file descriptor(s)\n"
                "     --fork            Receive notifications from child rather than sending them\n"
                "  -q --quiet           Do not show PID of child when forking\n"
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

// systemd 257's pidref_parent_if_applicable(), pidref_set_parent/self/pidstr():
// the pid is pinned with a pidfd right away, so one that does not exist fails.
int parse_pid_option(const char* optional_text, SendOptions& options) {
    // One non-null string from here on: GCC 14 (-Werror=null-dereference) sees
    // a null optarg reaching parse_pid()'s string_view otherwise.
    const char* const text = optional_text == nullptr ? "" : optional_text;
    const std::string_view value(text);
    pid_t pid = 0;
    int error = 0;
    if (value.empty() || value == "auto") {
        pid = getppid();
        if (pid <= 1 || pid == manager_pid()) {
            pid = getpid();
        }
    } else if (value == "parent") {
        pid = getppid();
    } else if (value == "self") {
        pid = getpid();
    } else {
        error = parse_pid(text, pid);
    }
    if (error == 0) {
        error = options.pid_fd.open(pid);
    }
    if (error != 0) {
        std::fprintf(stderr, "Failed to refer to --pid='%.*s': %s\n",
                     static_cast<int>(value.size()), value.data(), std::strerror(error));
        return -error;
    }
    options.pid = pid;
    return 0;
}

int refuse(int error, const char* text) {
    std::fprintf(stderr, "%s\n", text);
    return -error;
}

int take_fd(const char* text, SendOptions& options) {
    const int fd = parse_fd(text);
    if (fd < 0) {
        std::fprintf(stderr, "Failed to parse file descriptor: %s\n", text);
        return fd;
    }
    if (const int r = options.fds.take(fd); r < 0) {
        if (fd < 3) {
            std::fprintf(stderr, "Failed to duplicate file descriptor: %s\n", std::strerror(-r));
        } else {
            std::fprintf(stderr,
                         "Specified file descriptor '%i' not passed or specified more than once: "
                         "%s\n",
                         fd, std::strerror(-r));
        }
        return r;
    }
    return 0;
}

// What follows the options: systemd 257's checks for sending, 258's for --fork.
int check_arguments(int argc, char** argv, bool exec, SendOptions& options) {
    const bool have_env = options.ready || options.stopping || options.reloading ||
                          options.status || options.pid > 0 || !options.fds.empty();
    if (options.fork) {
        if (optind >= argc) {
            return refuse(EINVAL, "--fork requires a command to be specified, refusing.");
        }
        if (have_env) {
            return refuse(EINVAL, "--ready, --reloading, --stopping, --pid=, --status=, --fd= may "
                                  "not be combined with --fork or --booted, refusing.");
        }
        options.command.assign(argv + optind, argv + argc);
        return 1;
    }
    if (options.fdname && options.fds.empty()) {
        return refuse(EINVAL, "No file descriptors passed, but --fdname= set, refusing.");
    }
    int end = argc;
    if (exec) {
        end = optind;
        while (end < argc && std::strcmp(argv[end], ";") != 0) {
            ++end;
        }
        if (end >= argc) {
            return refuse(EINVAL,
                          "If --exec is used argument list must contain ';' separator, refusing.");
        }
        if (end + 1 == argc) {
            return refuse(EINVAL, "Empty command line specified after ';' separator, refusing.");
        }
        options.command.assign(argv + end + 1, argv + argc);
    }
    options.assignments.assign(argv + optind, argv + end);
    if (!have_env && options.assignments.empty() && !options.booted) {
        if (exec) {
            return refuse(EINVAL, "No notify message specified while --exec, refusing.");
        }
        print_help();
        return -EINVAL;
    }
    if ((have_env || !options.assignments.empty()) && options.booted) {
        std::fprintf(stderr, "Notify message specified along with --booted, ignoring.\n");
    }
    if (const std::size_t left = options.fds.close_unreferenced(); left > 0) {
        std::fprintf(stderr,
                     "Warning: %zu more file descriptors passed than referenced with --fd=.\n",
                     left);
    }
    return 1;
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
        arg_exec,
        arg_fd,
        arg_fdname,
        arg_fork,
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
        {"exec", no_argument, nullptr, arg_exec},
        {"fd", required_argument, nullptr, arg_fd},
        {"fdname", required_argument, nullptr, arg_fdname},
        {"fork", no_argument, nullptr, arg_fork},
        {"quiet", no_argument, nullptr, 'q'},
        {nullptr, 0, nullptr, 0},
    };

    optind = 0; // full re-initialisation: parse_send_options may run twice in tests
    bool exec = false;
    int c = 0;
    while ((c = getopt_long(argc, argv, "hq", table, nullptr)) >= 0) {
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
        case arg_booted: // one action: the last of --booted and --fork wins
            options.booted = true;
            options.fork = false;
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
        case arg_exec:
            exec = true;
            break;
        case arg_fd:
            if (const int r = take_fd(optarg, options); r < 0) {
                return r;
            }
            break;
        case arg_fdname:
            if (!fdname_is_valid(optarg)) {
                std::fprintf(stderr, "File descriptor name invalid: %s\n", optarg);
                return -EINVAL;
            }
            options.fdname = optarg;
            break;
        case arg_fork:
            options.fork = true;
            options.booted = false;
            break;
        case 'q':
            options.quiet = true;
            break;
        default: // '?': getopt_long has said what was wrong
            return -EINVAL;
        }
    }
    return check_arguments(argc, argv, exec, options);
}

bool fdname_is_valid(const std::string& name) {
    if (name.size() > 255) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return c >= ' ' && c < 127 && c != ':'; });
}

} // namespace nb::cli
