#pragma once
// systemd-notify's command line (257, plus 258's --fork), parsed with the same
// getopt_long table so abbreviations, permutation and error messages behave the
// same.

#include "passed_fds.hpp"
#include "pidfd_id.hpp"

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::cli {

struct SendOptions {
    bool ready = false;
    bool reloading = false;
    bool stopping = false;
    bool booted = false;
    bool no_block = false;
    bool fork = false;  ///< --fork: receive from a child instead of sending
    bool quiet = false; ///< --quiet: --fork prints no pid
    pid_t pid = 0;      ///< MAINPID to send and the pid to send as; 0: none
    PidFd pid_fd;       ///< a pidfd of pid, opened when --pid was parsed (257's pidref)
    std::optional<std::string> status;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::vector<std::string> assignments; ///< the VAR=VALUE arguments, in order
    std::vector<std::string> command;     ///< --exec: after ';'; --fork: all arguments
    PassedFds fds;                        ///< --fd=: owned, sent with the message
    std::optional<std::string> fdname;
};

/// Returns 1 to go on, 0 to exit successfully (--help, --version), or -errno
/// after printing why (help text when there is nothing to do, like systemd-notify).
int parse_send_options(int argc, char** argv, SendOptions& options);

/// $MANAGERPID (set for services of systemd --user), or 0.
pid_t manager_pid();

/// systemd's parse_pid(): decimal, > 0. Returns 0 or EINVAL / ERANGE.
int parse_pid(const char* text, pid_t& pid);

/// systemd's fdname_is_valid(): at most 255 printable ASCII characters, no ':'.
bool fdname_is_valid(const std::string& name);

} // namespace nb::cli
