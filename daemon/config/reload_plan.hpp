#pragma once
// What a reload (SIGHUP) can change in a running broker (issue 14 point 5).
// One table, one row per setting: it applies live, or it needs a restart. A
// setting that needs a restart keeps its running value and is named (log and
// STATUS), so nothing in a reloaded file is ignored silently.
// Pure; the shell applies the plan.

#include "config/daemon_settings.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nb::config {

enum class Applies { live, restart };

struct ReloadSetting {
    std::string_view key; ///< as in the config file ("broker.socket_mode", "group")
    Applies applies;
    std::string_view why; ///< for a restart: what holds the old value
    bool (*differs)(const daemon::DaemonSettings& running, const daemon::DaemonSettings& loaded);
    /// For a restart: puts the running value back into `loaded`.
    void (*keep)(const daemon::DaemonSettings& running, daemon::DaemonSettings& loaded);
};

/// Every setting of DaemonSettings, in the order of the config file.
[[nodiscard]] std::span<const ReloadSetting> reload_settings() noexcept;

struct ReloadPlan {
    /// The loaded settings with every restart-only setting at its running value.
    daemon::DaemonSettings apply;
    std::vector<std::string> changed_live;  ///< keys that changed and apply now
    std::vector<std::string> needs_restart; ///< keys that changed and wait for a restart
};

[[nodiscard]] ReloadPlan plan_reload(const daemon::DaemonSettings& running,
                                     daemon::DaemonSettings loaded);

} // namespace nb::config
