#pragma once
// DaemonSettings -> TOML, for `notify-brokerd --check-config`: the effective
// configuration after defaults and command-line overrides, in the same schema
// load_config_string reads (so the output is itself a valid config file).

#include "config/daemon_settings.hpp"

#include <string>

namespace nb::config {

/// Every setting, defaults included, as TOML. Users and groups are written as
/// numeric ids (the name they came from is not kept). Does not throw except
/// std::bad_alloc.
[[nodiscard]] std::string render_config(const daemon::DaemonSettings& settings);

} // namespace nb::config
