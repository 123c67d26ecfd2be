#include "state_snapshots.hpp"

#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nb::test {

std::optional<core::StateSnapshot> read_state(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return std::nullopt;
    }
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    if (::pread(fd, bytes.data(), bytes.size(), 0) != st.st_size) {
        return std::nullopt;
    }
    auto snapshot = core::decode_snapshot(bytes);
    return snapshot ? std::optional<core::StateSnapshot>(std::move(snapshot.value()))
                    : std::nullopt;
}

std::optional<core::StateSnapshot> newest_state(const FdStoreUpstream& store) {
    std::optional<core::StateSnapshot> newest;
    for (const auto& entry : store.store()) {
        if (entry.name.starts_with("nb-state.")) {
            auto snapshot = read_state(entry.fd);
            if (snapshot && (!newest || snapshot->sequence > newest->sequence)) {
                newest = std::move(snapshot);
            }
        }
    }
    return newest;
}

std::size_t ready_in(const core::StateSnapshot& snapshot) {
    std::size_t ready = 0;
    for (const auto& worker : snapshot.workers) {
        ready += worker.state == core::WorkerState::ready ? 1 : 0;
    }
    return ready;
}

int memfd_with(const std::string& bytes, bool sealed) {
    const int fd = ::memfd_create("test-state", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
        return -1;
    }
    if (sealed) {
        ::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    }
    return fd;
}

core::WorkerRecord ready_worker(std::string name, pid_t pid) {
    core::WorkerRecord record;
    record.name = std::move(name);
    record.state = core::WorkerState::ready;
    record.pid = pid;
    return record;
}

} // namespace nb::test
