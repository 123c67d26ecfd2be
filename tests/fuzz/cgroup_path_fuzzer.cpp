// The cgroup-path readers on arbitrary bytes (shell/unit_name.hpp and the pure
// parsers of shell/cgroup_watcher.hpp): the unit a sender is attributed to must
// be what systemd's cg_path_get_unit() would say, and nothing a unit creates
// below its own cgroup (a delegated subtree, a user manager's tree) may change it.
//   - a unit returned is a valid .service/.scope name and is the first
//     component that is not a slice (after the "_" unescape); if that component
//     is a valid name, it is returned;
//   - whatever follows the unit's component, the unit stays the same, so a path
//     inside user@UID.service never yields another system unit;
//   - the user unit is the unit of the path below the user manager;
//   - unit_cgroup_from_cgroup_file() is a prefix of the unified path ending at
//     the unit's own component, and names the same unit as unit_from_cgroup_file();
//   - populated_from_events() reads the first "populated " line, and only "0"/"1".
#include "shell/cgroup_watcher.hpp"
#include "shell/unit_name.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using nb::daemon::is_service_or_scope_name;
using nb::daemon::populated_from_events;
using nb::daemon::unit_cgroup_from_cgroup_file;
using nb::daemon::unit_from_cgroup_file;
using nb::daemon::unit_from_cgroup_path;
using nb::daemon::user_unit_from_cgroup_path;

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

struct Component {
    std::string_view name; ///< after cg_unescape() (one leading '_' dropped)
    std::size_t end;       ///< offset just past the component in its path
};

/// The non-empty '/'-separated components of path, as systemd's skip_slices() walks them.
std::vector<Component> components_of(std::string_view path) {
    std::vector<Component> out;
    std::size_t at = 0;
    while (at < path.size()) {
        const std::size_t start = path.find_first_not_of('/', at);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(path.find('/', start), path.size());
        std::string_view name = path.substr(start, end - start);
        if (name.front() == '_') {
            name.remove_prefix(1);
        }
        out.push_back({name, end});
        at = end;
    }
    return out;
}

bool is_slice(std::string_view name) {
    return name.size() > 6 && name.ends_with(".slice");
}

/// The first component that is not a slice, if any.
std::optional<Component> first_non_slice(std::string_view path) {
    for (const Component& c : components_of(path)) {
        if (!is_slice(c.name)) {
            return c;
        }
    }
    return std::nullopt;
}

bool is_user_manager(std::string_view unit) {
    if (!unit.starts_with("user@") || !unit.ends_with(".service")) {
        return false;
    }
    const std::string_view uid = unit.substr(5, unit.size() - 5 - 8);
    return !uid.empty() && uid.find_first_not_of("0123456789") == std::string_view::npos;
}

/// The unit of path, checked against the rule; returns it.
std::string check_path(std::string_view path) {
    const std::string unit = unit_from_cgroup_path(path);
    const std::optional<Component> first = first_non_slice(path);
    if (unit.empty()) {
        if (first && is_service_or_scope_name(first->name)) {
            fail("the first non-slice component is a unit but none was found", path);
        }
        if (!user_unit_from_cgroup_path(path).empty()) {
            fail("a user unit without a user manager", path);
        }
        return unit;
    }
    if (!is_service_or_scope_name(unit)) {
        fail("not a valid service or scope name", unit);
    }
    if (!first || first->name != unit) {
        fail("the unit is not the first non-slice component", path);
    }

    // Nothing below the unit's own component counts.
    const std::string_view own = path.substr(0, first->end);
    if (unit_from_cgroup_path(own) != unit) {
        fail("the unit's own cgroup names another unit", path);
    }
    const std::string below = user_unit_from_cgroup_path(path);
    const std::string_view rest = path.substr(first->end);
    if (is_user_manager(unit)) {
        if (below != unit_from_cgroup_path(rest)) {
            fail("the user unit is not the unit below the user manager", path);
        }
    } else if (!below.empty()) {
        fail("a user unit outside a user manager", path);
    }
    if (!below.empty() && !is_service_or_scope_name(below)) {
        fail("the user unit is not a valid name", below);
    }
    return unit;
}

/// Whatever a unit (or a user) puts below its own cgroup: the unit stays.
void check_subtree(std::string_view own, std::string_view unit, std::string_view tail) {
    std::vector<std::string> paths{std::string(own) + "/" + std::string(tail)};
    if (tail.starts_with('/')) {
        paths.push_back(std::string(own) + std::string(tail));
    }
    for (const std::string& path : paths) {
        if (unit_from_cgroup_path(path) != unit) {
            fail("a name below the unit changed the unit", path);
        }
        (void)check_path(path);
    }
}

/// The lines of text, split on '\n' as the parsers do.
std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        out.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

void check_cgroup_file(std::string_view contents) {
    const std::vector<std::string_view> lines = lines_of(contents);

    const std::string unit = unit_from_cgroup_file(contents);
    if (!unit.empty()) {
        if (!is_service_or_scope_name(unit)) {
            fail("the file's unit is not a valid name", unit);
        }
        bool from_a_line = false;
        for (const std::string_view line : lines) {
            std::string_view path;
            if (line.starts_with("0::")) {
                path = line.substr(3);
            } else if (const auto at = line.find(":name=systemd:"); at != std::string_view::npos) {
                path = line.substr(at + 14);
            } else {
                continue;
            }
            from_a_line = from_a_line || unit_from_cgroup_path(path) == unit;
        }
        if (!from_a_line) {
            fail("the file's unit is the unit of none of its lines", contents);
        }
    }

    std::optional<std::string_view> unified; // the first "0::/" line's path
    std::size_t unified_lines = 0;           // lines starting with "0::"
    for (const std::string_view line : lines) {
        unified_lines += line.starts_with("0::") ? 1 : 0;
        if (!unified && line.starts_with("0::/")) {
            unified = line.substr(3);
        }
    }
    const std::string cgroup = unit_cgroup_from_cgroup_file(contents);
    if (cgroup.empty()) {
        if (unified && !unit_from_cgroup_path(*unified).empty()) {
            fail("no cgroup for a unified path that names a unit", contents);
        }
        return;
    }
    if (!unified || !unified->starts_with(cgroup) ||
        (unified->size() > cgroup.size() && (*unified)[cgroup.size()] != '/')) {
        fail("the unit's cgroup is not a prefix of the unified path", cgroup);
    }
    const std::string cgroup_unit = unit_from_cgroup_path(cgroup);
    if (cgroup_unit.empty() || cgroup_unit != unit_from_cgroup_path(*unified)) {
        fail("the unit's cgroup names another unit than its path", cgroup);
    }
    const std::vector<Component> parts = components_of(cgroup);
    if (parts.empty() || parts.back().name != cgroup_unit || parts.back().end != cgroup.size()) {
        fail("the unit's cgroup does not end at the unit's own component", cgroup);
    }
    // The kernel writes one unified line (and refuses '\n' in cgroup names).
    if (unified_lines == 1 && cgroup_unit != unit) {
        fail("the watcher would follow another unit than the sender is attributed to", contents);
    }
}

void check_events(std::string_view events) {
    std::optional<bool> expected;
    for (const std::string_view line : lines_of(events)) {
        if (line.starts_with("populated ")) {
            const std::string_view value = line.substr(10);
            if (value == "0" || value == "1") {
                expected = value == "1";
            }
            break;
        }
    }
    if (populated_from_events(events) != expected) {
        fail("populated read from the wrong line or value", events);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    // The input as a path, and whatever could be created below its unit.
    const std::string unit = check_path(input);
    if (!unit.empty()) {
        const std::string_view own = input.substr(0, first_non_slice(input)->end);
        check_subtree(own, unit, input);
    }
    // Below a user manager, and below a delegated system service.
    const std::string_view first_line = input.substr(0, input.find('\n'));
    check_subtree("/user.slice/user-1000.slice/user@1000.service", "user@1000.service", first_line);
    check_subtree("/system.slice/db.service", "db.service", first_line);

    // The input as /proc/PID/cgroup, as the kernel writes it (one unified
    // line, no '\n' in a name), and as cgroup.events.
    check_cgroup_file(input);
    check_cgroup_file("0::" + std::string(first_line) + "\n");
    check_cgroup_file("1:name=systemd:" + std::string(first_line) + "\n0::/\n");
    check_events(input);
    return 0;
}
