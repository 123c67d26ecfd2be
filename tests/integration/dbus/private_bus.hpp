#pragma once
// A real, private dbus-daemon for one test: started on a socket in a fresh
// directory, stopped (SIGTERM + waitpid) by the destructor. The test waits for
// the daemon's --print-address line, not for time, to know it is ready.
// Thread-safety: one thread.

#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::test {

struct PrivateBusOptions {
    /// Let connections from any uid in (the session default admits only ours);
    /// the authorisation tests call from uid 65534.
    bool allow_any_user = true;
    /// Deny by default like the system bus, so only <includes> open doors.
    bool system_like = false;
    /// Extra bus policy files to <include> (e.g. the broker's own policy).
    std::vector<std::string> includes;
};

class PrivateBus {
public:
    /// Throws std::runtime_error if dbus-daemon cannot be started.
    explicit PrivateBus(PrivateBusOptions options = {});
    ~PrivateBus();
    PrivateBus(const PrivateBus&) = delete;
    PrivateBus& operator=(const PrivateBus&) = delete;

    /// "unix:path=/tmp/nb-bus-XXXXXX/bus,guid=..."
    [[nodiscard]] const std::string& address() const noexcept { return address_; }
    [[nodiscard]] const std::string& directory() const noexcept { return dir_; }
    /// The address by path alone, as a client names a bus that may restart
    /// (with a new guid, which the old address would refuse).
    [[nodiscard]] std::string path_address() const { return "unix:path=" + dir_ + "/bus"; }
    /// Kills the daemon now (to test a bus that goes away). Idempotent.
    void stop();
    /// Starts a new daemon on the same socket path after stop().
    void restart();
    /// SIGSTOP: the daemon stops answering while its socket still takes
    /// connections into the backlog, as a hung bus daemon. resume(): SIGCONT.
    void pause();
    void resume();

private:
    void start();

    PrivateBusOptions options_;
    std::string dir_;
    std::string config_path_;
    std::string address_;
    pid_t pid_ = -1;
    bool paused_ = false;
};

} // namespace nb::test
