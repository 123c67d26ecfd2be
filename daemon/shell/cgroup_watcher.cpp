#include "shell/cgroup_watcher.hpp"

#include "base/logger.hpp"
#include "base/proc_file.hpp"
#include "shell/unit_name.hpp"

#include <array>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace nb::daemon {

struct CgroupWatcher::Unit {
    CgroupWatcher* owner = nullptr;
    std::string name;
    std::string path; // kept for the fd store's snapshot (a restore follows it again)
    UniqueFd events;  // declared before poll: closed after it
    UvHandle<uv_poll_t> poll;
};

namespace {

/// Reads the whole small file at fd from offset 0 (kernfs: a read also re-arms
/// the file's change notification).
std::string read_from_start(int fd) {
    std::array<char, 512> buffer{};
    const auto n = ::pread(fd, buffer.data(), buffer.size(), 0);
    return n > 0 ? std::string(buffer.data(), static_cast<std::size_t>(n)) : std::string();
}

} // namespace

std::optional<bool> populated_from_events(std::string_view events) noexcept {
    constexpr std::string_view key = "populated ";
    std::size_t at = 0;
    while (at < events.size()) {
        const std::size_t end = std::min(events.find('\n', at), events.size());
        const std::string_view line = events.substr(at, end - at);
        if (line.starts_with(key)) {
            const std::string_view value = line.substr(key.size());
            if (value == "0" || value == "1") {
                return value == "1";
            }
            return std::nullopt;
        }
        at = end + 1;
    }
    return std::nullopt;
}

std::string unit_cgroup_from_cgroup_file(std::string_view contents) {
    std::string_view path;
    for (std::size_t at = 0; at < contents.size();) {
        const std::size_t end = std::min(contents.find('\n', at), contents.size());
        const std::string_view line = contents.substr(at, end - at);
        if (line.starts_with("0::/")) {
            path = line.substr(3);
            break;
        }
        at = end + 1;
    }
    const std::string unit = unit_from_cgroup_path(path);
    if (unit.empty()) {
        return {};
    }
    // The shortest prefix whose last unit is this one ends at the unit's own
    // component; below it are the unit's sub-cgroups (delegation, payloads).
    for (std::size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
        const std::string_view prefix = path.substr(0, end);
        if (unit_from_cgroup_path(prefix) == unit) {
            return std::string(prefix);
        }
        if (end == std::string_view::npos) {
            return {};
        }
    }
}

std::string read_unit_cgroup_of(pid_t pid) {
    const auto contents = read_proc_file(pid, "cgroup");
    return contents ? unit_cgroup_from_cgroup_file(*contents) : std::string();
}

std::string find_cgroup2_root() {
    for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        struct statfs fs {};
        if (::statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
            return path;
        }
    }
    return {};
}

CgroupWatcher::CgroupWatcher(uv_loop_t* loop, std::string cgroup_root, EmptyHandler on_empty,
                             std::size_t max_units)
    : loop_(loop)
    , root_(std::move(cgroup_root))
    , on_empty_(std::move(on_empty))
    , max_units_(max_units) {}

CgroupWatcher::~CgroupWatcher() {
    close();
}

bool CgroupWatcher::watch(const std::string& unit, const std::string& cgroup_path) {
    if (watches(unit)) {
        return true;
    }
    if (full() || cgroup_path.empty() || cgroup_path.front() != '/' ||
        cgroup_path.find("/..") != std::string::npos) {
        return false;
    }
    auto entry = std::make_unique<Unit>();
    entry->owner = this;
    entry->name = unit;
    entry->path = cgroup_path;
    entry->events.reset(
        ::open((root_ + cgroup_path + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
    if (!entry->events) {
        return false;
    }
    // Poll first, then read: a change between the two still wakes us.
    if (entry->poll.init(uv_poll_init, loop_, entry.get(), entry->events.get()) != 0 ||
        uv_poll_start(entry->poll.get(), UV_PRIORITIZED, &CgroupWatcher::on_poll) != 0) {
        return false;
    }
    if (populated_from_events(read_from_start(entry->events.get())) != true) {
        return false; // already empty (or unreadable): nothing to follow
    }
    if (log_enabled(LogLevel::debug)) {
        log(LogLevel::debug, "following unit " + unit + " through its cgroup " + cgroup_path);
    }
    units_[unit] = std::move(entry);
    return true;
}

void CgroupWatcher::on_poll(uv_poll_t* handle, int /*status*/, int /*events*/) noexcept {
    auto* entry = static_cast<Unit*>(handle->data);
    if (entry == nullptr) {
        return;
    }
    try {
        // An error status (the cgroup removed under us) counts as empty too.
        if (populated_from_events(read_from_start(entry->events.get())) == true) {
            return;
        }
        CgroupWatcher* owner = entry->owner;
        const std::string unit = entry->name;
        owner->units_.erase(unit); // closes the poll handle and the file
        owner->on_empty_(unit);
    } catch (...) {
        log(LogLevel::err, "cgroup watcher: out of memory");
    }
}

std::string CgroupWatcher::path_of(const std::string& unit) const {
    const auto found = units_.find(unit);
    return found != units_.end() ? found->second->path : std::string();
}

void CgroupWatcher::forget(const std::string& unit) noexcept {
    units_.erase(unit);
}

void CgroupWatcher::forget_if(const std::function<bool(const std::string&)>& drop) noexcept {
    std::erase_if(units_, [&drop](const auto& entry) {
        try {
            return drop(entry.first);
        } catch (...) {
            return false;
        }
    });
}

void CgroupWatcher::close() noexcept {
    units_.clear();
}

} // namespace nb::daemon
