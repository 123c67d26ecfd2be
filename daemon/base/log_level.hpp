#pragma once
// syslog priorities as journald reads them from a "<N>" prefix (sd-daemon(3)).

namespace nb::daemon {

enum class LogLevel { err = 3, warning = 4, notice = 5, info = 6, debug = 7 };

} // namespace nb::daemon
