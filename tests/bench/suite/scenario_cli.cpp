// 7. Whole-process cost: `notify-broker --ready` against `systemd-notify
// --ready`, each fork/exec'd N times by this driver against a receiver that
// answers barriers at once (both wait for the barrier, as systemd-notify does).

#include "scenarios.hpp"

#include <array>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <poll.h>
#include <sys/socket.h>

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

/// Receives and closes every fd, until stop is set.
void answer_barriers(int fd, const std::atomic<bool>& stop) {
    std::array<char, 4096> data{};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 8)>
        control{};
    while (!stop.load()) {
        pollfd entry{fd, POLLIN, 0};
        if (::poll(&entry, 1, 50) <= 0) {
            continue;
        }
        iovec iov{data.data(), data.size()};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        if (::recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0) {
            continue;
        }
        for (cmsghdr* cmsg = CMSG_FIRSTHDR(&message); cmsg != nullptr;
             cmsg = CMSG_NXTHDR(&message, cmsg)) {
            if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
                const std::size_t fds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (std::size_t f = 0; f < fds; ++f) {
                    int received = -1;
                    std::memcpy(&received, CMSG_DATA(cmsg) + f * sizeof(int), sizeof(int));
                    ::close(received);
                }
            }
        }
    }
}

std::vector<std::int64_t> time_runs(const std::vector<std::string>& argv, const std::string& socket,
                                    std::size_t runs) {
    std::vector<std::int64_t> samples;
    for (std::size_t i = 0; i < runs; ++i) {
        ExecSpec spec;
        spec.argv = argv;
        spec.env = {"NOTIFY_SOCKET=" + socket};
        const std::int64_t start = now_ns();
        Child child = Child::exec(spec);
        const auto code = child.wait(10s);
        if (code.value_or(-1) != 0) {
            throw std::runtime_error(argv.front() + " exited with " +
                                     std::to_string(code.value_or(-1)));
        }
        samples.push_back(now_ns() - start);
    }
    return samples;
}

} // namespace

void run_cli(Suite& suite) {
    TempDir dir;
    const std::string path = dir.path() + "/systemd.sock";
    UniqueFd socket = bind_datagram(path, ReceiverOptions{});
    std::atomic<bool> stop{false};
    std::thread receiver(answer_barriers, socket.get(), std::cref(stop));
    const std::size_t runs = suite.pick(300, 20);
    std::vector<std::int64_t> ours, theirs;
    try {
        // Interleaved in blocks so drift in machine load hits both alike.
        for (std::size_t block = 0; block < 10; ++block) {
            auto a = time_runs({suite.programs.cli, "--ready"}, path, runs / 10);
            auto b = time_runs({suite.programs.systemd_notify, "--ready"}, path, runs / 10);
            ours.insert(ours.end(), a.begin(), a.end());
            theirs.insert(theirs.end(), b.begin(), b.end());
        }
    } catch (...) {
        stop = true;
        receiver.join();
        throw;
    }
    stop = true;
    receiver.join();
    const auto our_median = percentile(ours, 0.5);
    const auto their_median = percentile(theirs, 0.5);
    const double ratio = static_cast<double>(our_median) / static_cast<double>(their_median);
    suite.report.add({"7 client",
                      "`notify-broker --ready` p50 (fork+exec+barrier+exit)",
                      duration_text(our_median),
                      "",
                      {},
                      std::to_string(ours.size()) + " runs"});
    suite.report.add({"7 client",
                      "`systemd-notify --ready` p50",
                      duration_text(their_median),
                      "",
                      {},
                      std::to_string(theirs.size()) + " runs"});
    suite.report.add({"7 client", "notify-broker ÷ systemd-notify (whole process)", fixed(ratio, 2),
                      "≤ 1.0", ratio <= 1.0, ""});
}

} // namespace nb::bench
