#pragma once
// What a datagram says about its worker's main process (issue 13, point 2),
// read as systemd 257 reads it (service_notify_message_parse_new_pid()):
// MAINPIDFD=1 takes precedence and needs exactly one fd, the pidfd; else
// MAINPID=N, checked against MAINPIDFDID= (the pidfs inode id of the process
// the sender meant) where the kernel gives pidfds ids. A lone MAINPIDFDID=
// names nothing. The shell pins and checks the process (shell/main_pid.hpp).
// Thread-safety: a pure function.

#include <nb/proto/message.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <sys/types.h>

namespace nb::core {

struct MainProcessClaim {
    enum class Kind {
        pid,   ///< MAINPID=: the shell pins the pid itself
        pidfd, ///< MAINPIDFD=1: the datagram's one fd is the pidfd
    };
    Kind kind = Kind::pid;
    pid_t pid = 0;                         ///< MAINPID= (Kind::pid)
    std::optional<std::uint64_t> pidfd_id; ///< MAINPIDFDID= (Kind::pid only, as systemd)
    std::string key;                       ///< how the log names it: "MAINPID=42", "MAINPIDFD=1"
    std::string refusal; ///< non-empty: refused as it stands, before any process is looked at
};

/// The claim of `message`, which came with `fds` fds (SCM_RIGHTS); nothing
/// when it names no main process (no MAINPID=, no MAINPIDFD=).
[[nodiscard]] std::optional<MainProcessClaim> main_process_claim(const proto::Message& message,
                                                                 std::size_t fds);

} // namespace nb::core
