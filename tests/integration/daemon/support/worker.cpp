#include "worker.hpp"

#include <nb/client/notifier.hpp>

#include <chrono>

#include <unistd.h>

namespace nb::test {

bool send_with_barrier(const std::string& socket_path, const std::vector<std::string>& messages) {
    client::Notifier notifier(socket_path);
    for (const auto& message : messages) {
        if (!notifier.notify(message).sent() || !notifier.barrier(std::chrono::seconds(5)).sent()) {
            return false;
        }
    }
    return true;
}

bool barrier(const std::string& socket_path) {
    client::Notifier notifier(socket_path);
    return notifier.barrier(std::chrono::seconds(5)).sent();
}

ChildProcess start_worker(const std::string& socket_path, std::vector<std::string> messages) {
    SpawnOptions options;
    options.stdin_pipe = true;
    return ChildProcess::fork(
        [&socket_path, &messages] {
            const bool ok = send_with_barrier(socket_path, messages);
            char byte = 0;
            while (::read(STDIN_FILENO, &byte, 1) > 0) {
            }
            return ok ? 0 : 1;
        },
        options);
}

} // namespace nb::test
