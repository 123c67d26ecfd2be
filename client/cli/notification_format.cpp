#include "notification_format.hpp"

#include <nb/proto/message.hpp>
#include <nb/proto/quote.hpp>
#include <nb/proto/utf8.hpp>

#include <array>
#include <cstdio>
#include <ctime>
#include <utility>

namespace nb::cli {
namespace {

std::string iso_time(const timespec& time) {
    tm utc{};
    gmtime_r(&time.tv_sec, &utc);
    char text[64];
    const auto n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + n, sizeof(text) - n, ".%06ldZ", time.tv_nsec / 1000);
    return text;
}

bool is_plain(std::string_view value) {
    if (value.empty()) {
        return false;
    }
    for (const char c : value) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') ||
                        std::string_view("_-+.,/:@%=").find(c) != std::string_view::npos;
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string text_quote(std::string_view value) {
    if (is_plain(value)) {
        return std::string(value);
    }
    return proto::quote(value, proto::QuoteStyle{.keep_high_bytes = true}); // UTF-8 stays readable
}

std::optional<std::string> why_invalid(const ReceivedNotification& notification) {
    if (notification.oversized) {
        return "datagram of 4096 bytes or more";
    }
    if (notification.control_truncated) {
        return "control data truncated";
    }
    return std::nullopt;
}

// The datagram's fields, or why it is not a notification systemd would take.
proto::Result<proto::Message> parse_notification(const ReceivedNotification& notification) {
    if (auto invalid = why_invalid(notification)) {
        return proto::Error{std::move(*invalid)};
    }
    return proto::Message::parse(notification.data);
}

// The sender's pid, uid and gid in decimal, or `unknown` for each.
std::array<std::string, 3> sender_ids(const ReceivedNotification& notification,
                                      std::string_view unknown) {
    if (!notification.sender) {
        return {std::string(unknown), std::string(unknown), std::string(unknown)};
    }
    return {std::to_string(notification.sender->pid), std::to_string(notification.sender->uid),
            std::to_string(notification.sender->gid)};
}

} // namespace

std::string json_quote(std::string_view text) {
    // Bytes of invalid UTF-8 become \u00NN: a JSON reader must get a valid string.
    return proto::quote(text, proto::QuoteStyle{.unicode_escapes = true,
                                                .keep_high_bytes = proto::is_valid_utf8(text)});
}

std::string format_text(const ReceivedNotification& notification) {
    const auto [pid, uid, gid] = sender_ids(notification, "?");
    std::string line = iso_time(notification.realtime) + " pid=" + pid + " uid=" + uid +
                       " gid=" + gid + " fds=" + std::to_string(notification.fd_count);
    const auto parsed = parse_notification(notification);
    if (!parsed) {
        return line + " invalid=" + text_quote(parsed.error().message) +
               " raw=" + text_quote(notification.data);
    }
    for (const auto& assignment : parsed->assignments()) {
        line += ' ' + assignment.key + '=' + text_quote(assignment.value);
    }
    return line;
}

std::string format_json(const ReceivedNotification& notification) {
    const auto [pid, uid, gid] = sender_ids(notification, "null");
    std::string out = "{\"time\":" + json_quote(iso_time(notification.realtime)) +
                      ",\"pid\":" + pid + ",\"uid\":" + uid + ",\"gid\":" + gid +
                      ",\"fds\":" + std::to_string(notification.fd_count);
    const auto parsed = parse_notification(notification);
    if (!parsed) {
        return out + ",\"error\":" + json_quote(parsed.error().message) +
               ",\"raw\":" + json_quote(notification.data) + '}';
    }
    out += ",\"fields\":{";
    bool first = true;
    for (const auto& assignment : parsed->assignments()) {
        out += first ? "" : ",";
        out += json_quote(assignment.key) + ':' + json_quote(assignment.value);
        first = false;
    }
    return out + "}}";
}

} // namespace nb::cli
