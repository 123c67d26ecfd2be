#pragma once
// How `notify-broker listen` prints one received datagram: one line of text
// or one JSON object per line. Pure functions, so the format is unit-tested.

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace nb::cli {

struct ReceivedNotification {
    timespec realtime{};            ///< when it was received (CLOCK_REALTIME)
    std::optional<ucred> sender;    ///< SCM_CREDENTIALS, if the kernel attached them
    std::size_t fd_count = 0;       ///< SCM_RIGHTS descriptors (closed after printing)
    bool oversized = false;         ///< >= 4096 bytes: systemd drops it
    bool control_truncated = false; ///< MSG_CTRUNC: systemd drops it
    std::string_view data;
};

/// `2024-05-01T12:00:00.123456Z pid=1 uid=0 gid=0 fds=0 READY=1 STATUS="a b"`;
/// a datagram systemd would drop ends in `invalid="why" raw="..."` instead of
/// the assignments. Values are quoted and C-escaped unless plain. No newline.
std::string format_text(const ReceivedNotification& notification);

/// {"time":"...","pid":1,"uid":0,"gid":0,"fds":0,"fields":{"READY":"1"}} or, for
/// an invalid datagram, "error" and "raw" instead of "fields". No newline.
std::string format_json(const ReceivedNotification& notification);

/// A JSON string literal (with quotes); bytes that are not UTF-8 become \u00XX.
std::string json_quote(std::string_view text);

} // namespace nb::cli
