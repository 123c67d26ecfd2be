#include "notification_format.hpp"

#include <nb/proto/message.hpp>
#include <nb/proto/utf8.hpp>

#include <cstdio>

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
    std::string out = "\"";
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (byte < 0x20 || byte == 0x7f) {
                char escaped[8];
                std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
                out += escaped;
            } else {
                out += c; // UTF-8 stays readable
            }
        }
    }
    out += '"';
    return out;
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
    const bool utf8 = proto::is_valid_utf8(text);
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (byte < 0x20 || byte == 0x7f || (!utf8 && byte >= 0x80)) {
            char escaped[8];
            std::snprintf(escaped, sizeof(escaped), "\\u%04x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
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
