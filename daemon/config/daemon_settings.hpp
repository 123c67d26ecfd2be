#pragma once
// Everything notify-brokerd is told, from the TOML file and the command line
// (the command line wins). Each part is owned by the layer that uses it: the
// core's BrokerConfig, dbus's BusSettings, spawn's SpawnSettings, the socket's
// SocketSettings and base's LogLevel; config composes them.
//
// CONTRACT: config_loader.hpp / command_line.hpp fill it; app/main.cpp and the
// shell consume it.

#include "base/log_level.hpp"
#include "config/socket_settings.hpp"
#include "core/broker_config.hpp"
#include "core/probe_spec.hpp"
#include "dbus/bus_settings.hpp"
#include "spawn/spawn_settings.hpp"

#include <optional>
#include <string>
#include <vector>

namespace nb::daemon {

struct DaemonSettings {
    core::BrokerConfig broker;
    SocketSettings socket;
    BusSettings bus;
    SpawnSettings spawn;
    LogLevel log_level = LogLevel::info;
    /// [[probe]]: health probes the shell runs (shell/probe_scheduler.hpp).
    std::vector<core::ProbeSpec> probes;
    /// Where to keep the metrics for node_exporter's textfile collector
    /// (shell/metrics_file.hpp); empty: nowhere.
    std::string metrics_file;
    std::optional<std::string> config_path;
    bool check_config_only = false;
};

} // namespace nb::daemon
