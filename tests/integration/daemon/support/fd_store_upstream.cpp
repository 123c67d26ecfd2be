#include "fd_store_upstream.hpp"

#include "upstream_receiver.hpp"

#include <algorithm>
#include <utility>

#include <unistd.h>

namespace nb::test {
namespace {

std::optional<std::string> value_of(const std::string& datagram, const std::string& key) {
    for (const auto& line : lines_of(datagram)) {
        if (line.starts_with(key + "=")) {
            return line.substr(key.size() + 1);
        }
    }
    return std::nullopt;
}

} // namespace

FdStoreUpstream::FdStoreUpstream(std::string path, std::size_t capacity)
    : UpstreamReceiver(std::move(path))
    , capacity_(capacity) {}

FdStoreUpstream::~FdStoreUpstream() {
    for (const Entry& entry : store_) {
        ::close(entry.fd);
    }
}

std::optional<std::string> FdStoreUpstream::next(std::chrono::milliseconds timeout) {
    auto datagram = receive(timeout);
    if (!datagram) {
        return std::nullopt;
    }
    apply(datagram->text, std::move(datagram->fds));
    return std::move(datagram->text);
}

void FdStoreUpstream::apply(const std::string& datagram, std::vector<int> fds) {
    const auto name = value_of(datagram, "FDNAME").value_or("stored");
    // systemd 252 handles a datagram with both keys as "add, then remove"
    // (checked in the e2e sandbox): the new fds are lost. Mimic it.
    const bool store = has_line(datagram, "FDSTORE=1");
    for (const int fd : fds) {
        if (store && store_.size() < capacity_) {
            store_.push_front(Entry{name, fd});
        } else {
            ::close(fd);
        }
    }
    if (has_line(datagram, "FDSTOREREMOVE=1")) {
        std::erase_if(store_, [&](const Entry& entry) {
            if (entry.name == name) {
                ::close(entry.fd);
                return true;
            }
            return false;
        });
    }
}

std::size_t FdStoreUpstream::count_named(const std::string& prefix) const {
    return static_cast<std::size_t>(std::count_if(
        store_.begin(), store_.end(), [&](const Entry& e) { return e.name.starts_with(prefix); }));
}

std::vector<std::pair<std::string, int>> FdStoreUpstream::listen_fds(int socket_fd) const {
    std::vector<std::pair<std::string, int>> fds{{"notify", socket_fd}};
    for (const Entry& entry : store_) {
        fds.emplace_back(entry.name, entry.fd);
    }
    return fds;
}

} // namespace nb::test
