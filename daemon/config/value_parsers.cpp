#include "config/value_parsers.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <vector>

#include <grp.h>
#include <pwd.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::config {
namespace {

std::string quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

bool all_digits(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// getpwnam_r/getgrnam_r (and the by-id ones) need a caller buffer that must
// outlive the entry; ERANGE means "bigger, please".
template <class Key, class Entry, class Lookup>
proto::Result<bool> lookup_entry(const Key& key, Entry& entry, std::vector<char>& buffer,
                                 Lookup lookup) {
    buffer.resize(1024);
    for (;;) {
        Entry* found = nullptr;
        const int rc = lookup(key, &entry, buffer.data(), buffer.size(), &found);
        if (rc == ERANGE && buffer.size() < (1U << 20)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (rc != 0 && rc != ENOENT && rc != ESRCH) {
            return proto::Error{"cannot look it up: error " + std::to_string(rc)};
        }
        return found != nullptr;
    }
}

// A uid or gid: digits, or a name the database knows (getpwnam_r, getgrnam_r).
template <class Entry, class Lookup, class Id>
proto::Result<Id> lookup_id(std::string_view name_or_id, Lookup lookup, Id Entry::*id_field,
                            std::string_view what) {
    if (all_digits(name_or_id)) {
        auto id = parse_count(name_or_id);
        if (!id) {
            return id.error();
        }
        return static_cast<Id>(*id);
    }
    Entry entry{};
    std::vector<char> buffer;
    const std::string name(name_or_id);
    auto found = lookup_entry(name.c_str(), entry, buffer, lookup);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return proto::Error{"no such " + std::string(what) + " " + quoted(name_or_id)};
    }
    return entry.*id_field;
}

// The name the database has for a uid or gid (getpwuid_r, getgrgid_r), if any.
template <class Entry, class Id, class Lookup>
std::optional<std::string> name_by_id(Id id, Lookup lookup, char* Entry::*name_field) {
    Entry entry{};
    std::vector<char> buffer;
    auto found = lookup_entry(id, entry, buffer, lookup);
    if (!found || !*found) {
        return std::nullopt;
    }
    return std::string(entry.*name_field);
}

constexpr std::array<std::string_view, 5> log_level_names{"err", "warning", "notice", "info",
                                                          "debug"};

} // namespace

proto::Result<mode_t> parse_mode(std::string_view text) {
    std::string_view digits = text;
    if (digits.starts_with("0o")) {
        digits.remove_prefix(2);
    }
    unsigned value = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value, 8);
    if (digits.empty() || ec != std::errc{} || ptr != end) {
        return proto::Error{quoted(text) + " is not an octal mode (like \"0660\")"};
    }
    if (value > 07777) {
        return proto::Error{quoted(text) + " is not a mode: above 07777"};
    }
    return static_cast<mode_t>(value);
}

std::string format_mode(mode_t mode) {
    std::array<char, 8> out{};
    const auto result = std::to_chars(out.data(), out.data() + out.size(), mode & 07777U, 8);
    std::string digits(out.data(), result.ptr);
    while (digits.size() < 4) {
        digits.insert(digits.begin(), '0');
    }
    return digits;
}

proto::Result<daemon::LogLevel> parse_log_level(std::string_view text) {
    using daemon::LogLevel;
    if (text == "err" || text == "error" || text == "3") {
        return LogLevel::err;
    }
    if (text == "warning" || text == "warn" || text == "4") {
        return LogLevel::warning;
    }
    if (text == "notice" || text == "5") {
        return LogLevel::notice;
    }
    if (text == "info" || text == "6") {
        return LogLevel::info;
    }
    if (text == "debug" || text == "7") {
        return LogLevel::debug;
    }
    return proto::Error{quoted(text) + " is not a log level (err, warning, notice, info or debug)"};
}

std::string_view to_string(daemon::LogLevel level) noexcept {
    const auto index =
        static_cast<std::size_t>(level) - static_cast<std::size_t>(daemon::LogLevel::err);
    return index < log_level_names.size() ? log_level_names[index] : "info";
}

proto::Result<unsigned> parse_count(std::string_view text) {
    if (text.starts_with('-') && all_digits(text.substr(1))) {
        return proto::Error{quoted(text) + " is negative"};
    }
    if (!all_digits(text)) {
        return proto::Error{quoted(text) + " is not a number"};
    }
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end) {
        return proto::Error{quoted(text) + " is too big"};
    }
    return value;
}

proto::Result<uid_t> lookup_user(std::string_view name_or_id) {
    return lookup_id<passwd>(name_or_id, getpwnam_r, &passwd::pw_uid, "user");
}

proto::Result<gid_t> lookup_group(std::string_view name_or_id) {
    return lookup_id<group>(name_or_id, getgrnam_r, &group::gr_gid, "group");
}

std::optional<std::string> user_name(uid_t uid) {
    return name_by_id<passwd>(uid, getpwuid_r, &passwd::pw_name);
}

std::optional<std::string> group_name(gid_t gid) {
    return name_by_id<group>(gid, getgrgid_r, &group::gr_name);
}

proto::Status check_glob(std::string_view pattern) {
    if (pattern.empty()) {
        return proto::Error{"a pattern must not be empty"};
    }
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\') {
            if (++i == pattern.size()) {
                return proto::Error{"pattern " + quoted(pattern) + " ends with '\\'"};
            }
        } else if (pattern[i] == '[') {
            // A ']' right after '[' or '[!' is a member, not the end (fnmatch rules).
            std::size_t j = i + 1;
            if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) {
                ++j;
            }
            if (j < pattern.size() && pattern[j] == ']') {
                ++j;
            }
            while (j < pattern.size() && pattern[j] != ']') {
                ++j;
            }
            if (j == pattern.size()) {
                return proto::Error{"pattern " + quoted(pattern) + " has a '[' without ']'"};
            }
            i = j;
        }
    }
    return proto::Ok{};
}

proto::Status check_bus(std::string_view bus) {
    if (bus == "system" || bus == "session" || bus == "none") {
        return proto::Ok{};
    }
    const auto colon = bus.find(':');
    if (colon == std::string_view::npos || colon == 0 || bus.find('=') == std::string_view::npos) {
        return proto::Error{quoted(bus) + " is not a bus (system, session, none or an address like "
                                          "\"unix:path=/run/dbus/system_bus_socket\")"};
    }
    return proto::Ok{};
}

proto::Status check_bus_name(std::string_view name) {
    const auto bad = [&](std::string_view why) {
        return proto::Error{quoted(name) + " is not a D-Bus name: " + std::string(why)};
    };
    if (name.empty() || name.size() > 255) {
        return bad("it must have 1 to 255 characters");
    }
    if (name.starts_with(':')) {
        return bad("unique names (':1.42') cannot be requested");
    }
    std::size_t elements = 0;
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::string_view element = name.substr(start, dot - start);
        if (element.empty()) {
            return bad("empty element");
        }
        if (element[0] >= '0' && element[0] <= '9') {
            return bad("an element starts with a digit");
        }
        for (char c : element) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '_' || c == '-';
            if (!ok) {
                return bad(std::string("character '") + c + "' is not allowed");
            }
        }
        ++elements;
        start = dot + 1;
    }
    if (elements < 2) {
        return bad("it needs at least two elements (\"org.example.Name\")");
    }
    return proto::Ok{};
}

proto::Status check_status_format(std::string_view format) {
    constexpr std::array<std::string_view, 4> known{"ready", "expected", "state", "details"};
    for (char c : format) {
        if (c == '\n' || c == '\r') {
            return proto::Error{"a status format must be one line"};
        }
    }
    for (std::size_t open = format.find('{'); open != std::string_view::npos;
         open = format.find('{', open + 1)) {
        const std::size_t close = format.find('}', open);
        if (close == std::string_view::npos) {
            return proto::Error{"'{' without '}' in the status format"};
        }
        const std::string_view name = format.substr(open + 1, close - open - 1);
        bool found = false;
        for (std::string_view k : known) {
            found = found || k == name;
        }
        if (!found) {
            return proto::Error{"unknown placeholder {" + std::string(name) +
                                "} (use {ready} {expected} {state} {details})"};
        }
    }
    return proto::Ok{};
}

proto::Status check_socket_path(std::string_view path) {
    if (path.empty()) {
        return proto::Error{"the socket path must not be empty"};
    }
    if (path[0] != '/' && path[0] != '@') {
        return proto::Error{quoted(path) +
                            " is not an absolute path or @abstract name (workers get it as "
                            "NOTIFY_SOCKET, which must be absolute)"};
    }
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
        return proto::Error{quoted(path) + " is too long for a unix socket (at most " +
                            std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)"};
    }
    if (path.find('\0') != std::string_view::npos) {
        return proto::Error{"the socket path contains a NUL byte"};
    }
    return proto::Ok{};
}

proto::Status check_group_name(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return proto::Error{"a group name must have 1 to 64 characters"};
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@' || c == ':' ||
                        c == '-';
        if (!ok) {
            return proto::Error{"group name " + quoted(name) + " has character '" +
                                std::string(1, c) + "' (use letters, digits and _.@:-)"};
        }
    }
    return proto::Ok{};
}

} // namespace nb::config
