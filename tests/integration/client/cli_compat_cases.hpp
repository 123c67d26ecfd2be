// The cases of the CLI compatibility test (cli_compat_test.cpp): the same
// argv given to the installed systemd-notify and to ours, one table per
// systemd-notify version; the 252 table names every place where ours
// deliberately does what 257 does.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace nb::test::cli_compat {

enum class Socket { set, unset, malformed };

// Where ours deliberately differs from an older systemd-notify: what ours sends
// instead, derived from what the reference sent, and why.
using Datagrams = std::vector<std::string>;
using Difference = Datagrams (*)(Datagrams reference);

struct Case {
    const char* name;
    std::vector<std::string> args;
    Socket socket = Socket::set;
    bool sends = true;     ///< systemd-notify sends something (so the comparison means something)
    bool with_fds = false; ///< the tools inherit fds 3 and 4
    Difference ours = nullptr; ///< 252 table only: the expected difference
    int ours_exit = -1;        ///< 252 table only: ours' exit code where it differs
};

void PrintTo(const Case& c, std::ostream* out);

/// 254+: the barrier goes under the pid the message was sent as (252: the tool's own).
Datagrams barrier_as_sender(Datagrams reference);
/// 254+: a tool that failed ends with EXIT_STATUS=1 (252 sent none).
Datagrams adds_exit_status_1(Datagrams reference);

/// Systemd-notify 252 (Debian 12), with ours' differences.
std::vector<Case> table_252();
/// Systemd-notify 257 (Debian 13): ours must be equal on every case.
std::vector<Case> table_257();

} // namespace nb::test::cli_compat
