#include "dbus/caller_identity.hpp"

#include "base/pidfd.hpp"
#include "base/proc_file.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <string_view>
#include <utility>

namespace nb::dbus {
namespace {

// The second number of a "Key:\tREAL\tEFFECTIVE\tSAVED\tFS" line.
std::optional<std::uint32_t> effective_field(std::string_view text, std::string_view key) {
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(at, end - at);
        at = end + 1;
        if (line.substr(0, key.size()) != key) {
            continue;
        }
        line.remove_prefix(key.size());
        std::uint32_t values[2]{};
        for (auto& value : values) {
            while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) {
                line.remove_prefix(1);
            }
            const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
            if (ec != std::errc() || ptr == line.data()) {
                return std::nullopt;
            }
            line.remove_prefix(static_cast<std::size_t>(ptr - line.data()));
        }
        return values[1];
    }
    return std::nullopt;
}

} // namespace

std::optional<BusCredentials>
credentials_from_reply(const std::map<std::string, sdbus::Variant>& reply) {
    try {
        BusCredentials out;
        const auto uid = reply.find("UnixUserID");
        if (uid == reply.end()) {
            return std::nullopt;
        }
        out.uid = static_cast<uid_t>(uid->second.get<std::uint32_t>());
        if (const auto groups = reply.find("UnixGroupIDs"); groups != reply.end()) {
            for (const std::uint32_t g : groups->second.get<std::vector<std::uint32_t>>()) {
                out.groups.push_back(static_cast<gid_t>(g));
            }
        }
        if (const auto pid = reply.find("ProcessID"); pid != reply.end()) {
            const std::uint32_t value = pid->second.get<std::uint32_t>();
            out.pid = value <= 0x7fffffffU ? static_cast<pid_t>(value) : 0;
        }
        if (const auto fd = reply.find("ProcessFD"); fd != reply.end()) {
            sdbus::UnixFd owned = fd->second.get<sdbus::UnixFd>();
            out.pidfd.reset(owned.release());
        }
        return out;
    } catch (const std::exception&) {
        return std::nullopt; // a key with an unexpected type: trust nothing
    }
}

std::optional<std::pair<uid_t, gid_t>> effective_ids_from_status(std::string_view text) {
    const auto uid = effective_field(text, "Uid:");
    const auto gid = effective_field(text, "Gid:");
    if (!uid || !gid) {
        return std::nullopt;
    }
    return std::pair<uid_t, gid_t>{static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)};
}

CallerIdentity verify_caller(BusCredentials credentials,
                             const std::function<std::string(pid_t)>& unit_of) {
    CallerIdentity out;
    out.uid = credentials.uid;
    out.groups = std::move(credentials.groups);
    std::sort(out.groups.begin(), out.groups.end());
    if (out.groups.size() == 1) {
        out.gid = out.groups.front();
    }
    const pid_t pid = credentials.pid;
    if (pid <= 0) {
        return out;
    }
    // ProcessFD pins the very process that connected. Without it, pidfd_open
    // pins whoever holds the pid now, which must then prove to be the caller.
    const bool pinned_by_bus = credentials.pidfd.valid();
    daemon::UniqueFd pidfd = pinned_by_bus ? std::move(credentials.pidfd) : daemon::open_pidfd(pid);
    if (!pidfd || daemon::pidfd_exited(pidfd.get())) {
        return out;
    }
    const auto status = daemon::read_proc_file(pid, "status", 16 * 1024);
    const auto ids = status ? effective_ids_from_status(*status) : std::nullopt;
    if (!ids || daemon::pidfd_exited(pidfd.get())) {
        return out; // the read may have been of another process
    }
    if (!pinned_by_bus && ids->first != credentials.uid) {
        // Another process holds the caller's pid now (or the caller changed
        // its uid since it connected): nothing of it is the caller's.
        return out;
    }
    if (std::binary_search(out.groups.begin(), out.groups.end(), ids->second)) {
        out.gid = ids->second;
    }
    std::string unit = unit_of ? unit_of(pid) : std::string();
    if (daemon::pidfd_exited(pidfd.get())) {
        return out; // it exited during the read: the pid is not pinned any more
    }
    out.pid = pid;
    out.unit = std::move(unit);
    return out;
}

} // namespace nb::dbus
