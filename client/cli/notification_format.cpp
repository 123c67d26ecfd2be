#include "notification_format.hpp"

#include <nb/proto/message.hpp>
#include <nb/proto/quote.hpp>
#include <nb/proto/utf8.hpp>

#include <cstdio>
#include <ctime>

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

} // namespace

std::string json_quote(std::string_view text) {
    // Bytes of invalid UTF-8 become \u00NN: a JSON reader must get a valid string.
    return proto::quote(text, proto::QuoteStyle{.unicode_escapes = true,
                                                .keep_high_bytes = proto::is_valid_utf8(text)});
}

std::string format_text(const ReceivedNotification& notification) {
    std::string line = iso_time(notification.realtime);
    if (notification.sender) {
        line += " pid=" + std::to_string(notification.sender->pid) +
                " uid=" + std::to_string(notification.sender->uid) +
                " gid=" + std::to_string(notification.sender->gid);
    } else {
        line += " pid=? uid=? gid=?";
    }
    line += " fds=" + std::to_string(notification.fd_count);
    auto invalid = why_invalid(notification);
    if (!invalid) {
        auto parsed = proto::Message::parse(notification.data);
        if (parsed) {
            for (const auto& assignment : parsed->assignments()) {
                line += ' ' + assignment.key + '=' + text_quote(assignment.value);
            }
            return line;
        }
        invalid = parsed.error().message;
    }
    line += " invalid=" + text_quote(*invalid) + " raw=" + text_quote(notification.data);
    return line;
}

std::string format_json(const ReceivedNotification& notification) {
    std::string out = "{\"time\":" + json_quote(iso_time(notification.realtime));
    if (notification.sender) {
        out += ",\"pid\":" + std::to_string(notification.sender->pid) +
               ",\"uid\":" + std::to_string(notification.sender->uid) +
               ",\"gid\":" + std::to_string(notification.sender->gid);
    } else {
        out += ",\"pid\":null,\"uid\":null,\"gid\":null";
    }
    out += ",\"fds\":" + std::to_string(notification.fd_count);
    auto invalid = why_invalid(notification);
    if (!invalid) {
        auto parsed = proto::Message::parse(notification.data);
        if (parsed) {
            out += ",\"fields\":{";
            bool first = true;
            for (const auto& assignment : parsed->assignments()) {
                out += first ? "" : ",";
                out += json_quote(assignment.key) + ':' + json_quote(assignment.value);
                first = false;
            }
            return out + "}}";
        }
        invalid = parsed.error().message;
    }
    return out + ",\"error\":" + json_quote(*invalid) +
           ",\"raw\":" + json_quote(notification.data) + '}';
}

} // namespace nb::cli
