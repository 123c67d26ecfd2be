#pragma once
// Everything notify-brokerd is told, from the TOML file and the command line
// (the command line wins). The core's part is BrokerConfig; the rest is the
// shell's: where to listen, how to log, which bus, what to spawn.
//
// CONTRACT: config_loader.hpp / command_line.hpp fill it; main.cpp and the shell
// consume it.

#include "core/broker_config.hpp"

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace nb::daemon {

enum class LogLevel { err = 3, warning = 4, notice = 5, info = 6, debug = 7 };

struct SocketSettings {
    /// Path of the worker socket; ignored when a socket comes from LISTEN_FDS.
    std::string path = "/run/notify-broker/notify.sock";
    mode_t mode = 0660;
    std::optional<gid_t> group;           ///< chown the socket to this group
    int receive_buffer = 4 * 1024 * 1024; ///< SO_RCVBUF(FORCE) for bursts
};

struct BusSettings {
    /// "system", "session", "none", or a D-Bus address ("unix:path=...").
    std::string bus = "system";
    /// Well-known name; an instance suffix keeps several brokers apart.
    std::string name = "org.notifybroker.Broker1";
};

struct SpawnSettings {
    std::vector<std::string> command; ///< empty: no spawn mode
    unsigned copies = 1;              ///< --workers N: run N copies as N workers
};

struct DaemonSettings {
    core::BrokerConfig broker;
    SocketSettings socket;
    BusSettings bus;
    SpawnSettings spawn;
    LogLevel log_level = LogLevel::info;
    std::optional<std::string> config_path;
    bool check_config_only = false;
};

} // namespace nb::daemon
