// Sends READY=1 and waits on a barrier; prints what happened.
// Exit: 0 sent (or NOTIFY_SOCKET unset), 1 failed.

#include <nb/client/client.hpp>

#include <chrono>
#include <cstdio>

int main() {
    nb::client::Notifier notifier;
    const auto ready = notifier.ready();
    if (ready.status == nb::client::SendResult::Status::unset) {
        std::puts("unset");
        return 0;
    }
    if (!ready) {
        std::printf("failed: %s\n", ready.message().c_str());
        return 1;
    }
    const auto barrier = notifier.barrier(std::chrono::seconds(10));
    std::printf("%s\n", barrier ? "sent" : barrier.message().c_str());
    return barrier ? 0 : 1;
}
