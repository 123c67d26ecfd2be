#include "shell/socket_queue_limit.hpp"

#include "base/proc_file.hpp"

#include <charconv>

#include <sys/stat.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

// /proc/net/unix lists every unix socket of the namespace, one line each; a
// busy host has thousands. Read once at start-up, so a generous bound is fine.
constexpr std::size_t proc_net_unix_limit = 16 * 1024 * 1024;

std::string_view nth_field(std::string_view line, int index) noexcept {
    for (int field = 0;; ++field) {
        const auto start = line.find_first_not_of(' ');
        if (start == std::string_view::npos) {
            return {};
        }
        line.remove_prefix(start);
        const auto end = line.find(' ');
        if (field == index) {
            return line.substr(0, end);
        }
        if (end == std::string_view::npos) {
            return {};
        }
        line.remove_prefix(end);
    }
}

} // namespace

bool unix_socket_listed(std::string_view proc_net_unix, ino_t inode) noexcept {
    // "Num: RefCount Protocol Flags Type St Inode Path": the inode is field 6.
    while (!proc_net_unix.empty()) {
        const auto newline = proc_net_unix.find('\n');
        const auto line = proc_net_unix.substr(0, newline);
        const auto field = nth_field(line, 6);
        unsigned long long value = 0;
        const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
        if (error == std::errc{} && end == field.data() + field.size() && value == inode) {
            return true;
        }
        if (newline == std::string_view::npos) {
            break;
        }
        proc_net_unix.remove_prefix(newline + 1);
    }
    return false;
}

std::optional<int> socket_queue_limit(int socket_fd) {
    struct stat socket_stat {};
    if (::fstat(socket_fd, &socket_stat) != 0) {
        return std::nullopt;
    }
    const auto listing = read_proc_file(::getpid(), "net/unix", proc_net_unix_limit);
    if (!listing || !unix_socket_listed(*listing, socket_stat.st_ino)) {
        return std::nullopt;
    }
    const auto text = read_small_file("/proc/sys/net/unix/max_dgram_qlen", 64);
    if (!text) {
        return std::nullopt;
    }
    int limit = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (error != std::errc{} || (end != text->data() + text->size() && *end != '\n')) {
        return std::nullopt;
    }
    return limit;
}

std::optional<QueueLimitNotice> queue_limit_notice(std::optional<int> limit) {
    if (!limit) {
        return QueueLimitNotice{
            false, "the worker socket's queue limit is unknown here: it was created in another "
                   "network namespace (socket activation into a PrivateNetwork= service), whose "
                   "net.unix.max_dgram_qlen fixed it; set that to at least " +
                       std::to_string(comfortable_queue_limit) +
                       " there, or workers block in sd_notify() while the broker restarts"};
    }
    if (*limit >= comfortable_queue_limit) {
        return std::nullopt;
    }
    return QueueLimitNotice{
        true, "net.unix.max_dgram_qlen is " + std::to_string(*limit) +
                  " in this network namespace, so at most " + std::to_string(*limit) +
                  " datagrams wait on the worker socket while the broker is not reading (a "
                  "restart, a stall): the next worker blocks inside sd_notify() until it reads "
                  "again. Set net.unix.max_dgram_qlen to at least " +
                  std::to_string(comfortable_queue_limit) +
                  " in the namespace that creates the socket (systemd's default on a booted host "
                  "is 512; an example sysctl.d file ships as 50-notify-broker-queue.conf)"};
}

} // namespace nb::daemon
