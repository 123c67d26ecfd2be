#include "shell/unit_name.hpp"

#include "base/proc_file.hpp"

#include <array>
#include <optional>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

constexpr std::size_t unit_name_max = 255; // systemd's UNIT_NAME_MAX - 1

bool is_unit_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '-' || c == '_' || c == '.' || c == '\\';
}

bool ends_with(std::string_view text, std::string_view suffix) noexcept {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// cg_unescape(): systemd prefixes cgroup names that could clash with kernel
/// files ("cgroup.*", names starting with '_' or '.') with '_'.
std::string_view unescape(std::string_view component) noexcept {
    if (!component.empty() && component.front() == '_') {
        component.remove_prefix(1);
    }
    return component;
}

bool is_slice_component(std::string_view component) noexcept {
    return component.size() > 6 && ends_with(component, ".slice");
}

/// "user@UID.service": the per-user service manager, whose subtree the user owns.
bool is_user_manager(std::string_view unit) noexcept {
    if (!unit.starts_with("user@") || !ends_with(unit, ".service")) {
        return false;
    }
    const auto uid = unit.substr(5, unit.size() - 5 - 8);
    return !uid.empty() && uid.find_first_not_of("0123456789") == std::string_view::npos;
}

struct UnitComponent {
    std::string_view name; ///< unescaped
    std::string_view rest; ///< the path below it
};

/// skip_slices() + cg_path_decode_unit(): the first component that is not a
/// slice must be the unit, or there is none.
std::optional<UnitComponent> first_unit_after_slices(std::string_view path) noexcept {
    while (true) {
        const auto start = path.find_first_not_of('/');
        if (start == std::string_view::npos) {
            return std::nullopt;
        }
        path.remove_prefix(start);
        const auto slash = path.find('/');
        const auto component = unescape(path.substr(0, slash));
        const auto rest = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
        if (!is_slice_component(component)) {
            if (!is_service_or_scope_name(component)) {
                return std::nullopt;
            }
            return UnitComponent{component, rest};
        }
        path = rest;
    }
}

} // namespace

bool is_service_or_scope_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > unit_name_max) {
        return false;
    }
    std::string_view stem;
    if (ends_with(name, ".service")) {
        stem = name.substr(0, name.size() - 8);
    } else if (ends_with(name, ".scope")) {
        stem = name.substr(0, name.size() - 6);
    } else {
        return false;
    }
    const auto at = stem.find('@');
    if (at == 0 || stem.empty()) {
        return false;
    }
    if (at != std::string_view::npos) {
        const auto instance = stem.substr(at + 1);
        if (instance.empty() || instance.find('@') != std::string_view::npos) {
            return false;
        }
    }
    for (const char c : stem) {
        if (c != '@' && !is_unit_char(c)) {
            return false;
        }
    }
    return true;
}

std::string unit_from_cgroup_file(std::string_view contents) {
    // The unified hierarchy ("0::/path") is where systemd tracks units on unified
    // and hybrid hosts; a legacy host has only the named "name=systemd" one.
    std::string_view unified;
    std::string_view legacy;
    while (!contents.empty()) {
        const auto newline = contents.find('\n');
        const auto line = contents.substr(0, newline);
        if (line.starts_with("0::")) {
            unified = line.substr(3);
        } else if (const auto at = line.find(":name=systemd:"); at != std::string_view::npos) {
            legacy = line.substr(at + 14);
        }
        if (newline == std::string_view::npos) {
            break;
        }
        contents.remove_prefix(newline + 1);
    }
    std::string unit = unit_from_cgroup_path(unified);
    return unit.empty() ? unit_from_cgroup_path(legacy) : unit;
}

std::string unit_from_cgroup_path(std::string_view path) {
    const auto unit = first_unit_after_slices(path);
    return unit ? std::string(unit->name) : std::string();
}

std::string user_unit_from_cgroup_path(std::string_view path) {
    const auto manager = first_unit_after_slices(path);
    if (!manager || !is_user_manager(manager->name)) {
        return {};
    }
    const auto unit = first_unit_after_slices(manager->rest);
    return unit ? std::string(unit->name) : std::string();
}

std::string read_unit_of(pid_t pid) {
    // A cgroup path is at most a few KiB.
    const auto contents = read_proc_file(pid, "cgroup");
    return contents ? unit_from_cgroup_file(*contents) : std::string();
}

} // namespace nb::daemon
