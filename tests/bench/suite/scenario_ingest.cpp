// 1. Ingest throughput: K sender processes × M datagrams into the broker, and
// into a bare receiver (poll + recvmmsg, counts, closes fds) on the same socket
// setup, in the same run. Each sender ends with BARRIER=1: its fd is closed only
// once everything before it was processed, so "all senders exited" means "all
// datagrams processed".

#include "scenarios.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

namespace nb::bench {
namespace {

using namespace std::chrono_literals;

enum class Payload { status, watchdog };

struct Load {
    std::size_t senders = 2;
    std::size_t per_sender = 100'000;
    Payload payload = Payload::status;
};

struct Outcome {
    double per_second = 0;          ///< datagrams processed per wall-clock second
    double cpu_ns_per_datagram = 0; ///< receiver's CPU time per datagram
    std::uint64_t counted = 0;      ///< datagrams the receiver reports
};

std::int64_t own_cpu_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// The bare receiver's loop, in a child: counts until `barriers` barriers came.
[[noreturn]] void bare_receiver(int socket_fd, std::size_t barriers, int result_fd, int ready_fd) {
    constexpr std::size_t batch = 32;
    constexpr std::size_t control_size =
        CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(int) * 253);
    struct alignas(cmsghdr) Control {
        std::array<char, control_size> bytes;
    };
    static std::array<std::array<char, 4096>, batch> data;
    static std::array<Control, batch> control;
    std::array<iovec, batch> iov{};
    std::array<mmsghdr, batch> headers{};
    std::uint64_t count = 0;
    std::size_t seen_barriers = 0;
    std::int64_t cpu_start = 0;
    const char byte = 'r';
    [[maybe_unused]] auto n = ::write(ready_fd, &byte, 1);
    while (seen_barriers < barriers) {
        pollfd entry{socket_fd, POLLIN, 0};
        if (::poll(&entry, 1, -1) <= 0) {
            continue;
        }
        if (count == 0) {
            cpu_start = own_cpu_ns(); // idle waiting before the first datagram is not work
        }
        for (std::size_t i = 0; i < batch; ++i) {
            iov[i] = iovec{data[i].data(), data[i].size()};
            headers[i].msg_hdr = msghdr{};
            headers[i].msg_hdr.msg_iov = &iov[i];
            headers[i].msg_hdr.msg_iovlen = 1;
            headers[i].msg_hdr.msg_control = control[i].bytes.data();
            headers[i].msg_hdr.msg_controllen = control_size;
        }
        const int got =
            ::recvmmsg(socket_fd, headers.data(), batch, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, nullptr);
        for (int i = 0; i < got; ++i) {
            ++count;
            msghdr& header = headers[static_cast<std::size_t>(i)].msg_hdr;
            for (cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr;
                 cmsg = CMSG_NXTHDR(&header, cmsg)) {
                if (cmsg->cmsg_level != SOL_SOCKET ||
                    (cmsg->cmsg_type != SCM_RIGHTS && cmsg->cmsg_type != SCM_PIDFD)) {
                    continue;
                }
                const std::size_t fds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (std::size_t f = 0; f < fds; ++f) {
                    int fd = -1;
                    std::memcpy(&fd, CMSG_DATA(cmsg) + f * sizeof(int), sizeof(int));
                    ::close(fd);
                }
                if (cmsg->cmsg_type == SCM_RIGHTS) {
                    ++seen_barriers; // only our barriers carry fds
                }
            }
        }
    }
    const std::int64_t cpu = own_cpu_ns() - cpu_start;
    const std::array<std::int64_t, 2> result{static_cast<std::int64_t>(count), cpu};
    [[maybe_unused]] auto w = ::write(result_fd, result.data(), sizeof(result));
    ::_exit(0);
}

std::string datagram(const Load& load, std::size_t sender, std::size_t index) {
    if (load.payload == Payload::watchdog) {
        return index == 0 ? "X_WORKER=ingest-" + std::to_string(sender) + "\nREADY=1"
                          : std::string("WATCHDOG=1");
    }
    return "X_WORKER=ingest-" + std::to_string(sender) + "\nSTATUS=processing item " +
           std::to_string(index);
}

/// Forks the senders (waiting on `go`), releases them, and returns the wall time
/// until every one has exited after its barrier.
std::int64_t drive_senders(const std::string& socket_path, const Load& load) {
    int go[2];
    if (::pipe2(go, O_CLOEXEC) != 0) {
        fail_errno("pipe2");
    }
    UniqueFd go_read(go[0]);
    UniqueFd go_write(go[1]);
    std::vector<Child> senders;
    for (std::size_t s = 0; s < load.senders; ++s) {
        senders.push_back(Child::fork([&, s] {
            UniqueFd socket = connect_datagram(socket_path);
            char byte = 0;
            if (::read(go_read.get(), &byte, 1) != 1) {
                return 2;
            }
            for (std::size_t i = 0; i < load.per_sender; ++i) {
                if (!send_text(socket.get(), datagram(load, s, i))) {
                    return 3;
                }
            }
            return send_barrier(socket.get(), 120s) ? 0 : 4;
        }));
    }
    go_read.reset();
    const std::string bytes(load.senders, 'g');
    const std::int64_t start = now_ns();
    if (::write(go_write.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
        fail_errno("write go");
    }
    for (auto& sender : senders) {
        const auto code = sender.wait(180s);
        if (!code || *code != 0) {
            throw std::runtime_error("ingest sender failed with " +
                                     std::to_string(code.value_or(-1)));
        }
    }
    return now_ns() - start;
}

Outcome run_bare(const Load& load, bool passpidfd) {
    TempDir dir;
    const std::string path = dir.path() + "/bare.sock";
    ReceiverOptions options;
    options.passpidfd = passpidfd;
    UniqueFd socket = bind_datagram(path, options);
    int result[2];
    int ready[2];
    if (::pipe2(result, O_CLOEXEC) != 0 || ::pipe2(ready, O_CLOEXEC) != 0) {
        fail_errno("pipe2");
    }
    UniqueFd result_read(result[0]), result_write(result[1]);
    UniqueFd ready_read(ready[0]), ready_write(ready[1]);
    Child receiver = Child::fork([&]() -> int {
        bare_receiver(socket.get(), load.senders, result_write.get(), ready_write.get());
    });
    socket.reset();
    result_write.reset();
    ready_write.reset();
    char byte = 0;
    if (::read(ready_read.get(), &byte, 1) != 1) {
        throw std::runtime_error("bare receiver did not start");
    }
    const std::int64_t wall = drive_senders(path, load);
    std::array<std::int64_t, 2> figures{};
    if (::read(result_read.get(), figures.data(), sizeof(figures)) != sizeof(figures)) {
        throw std::runtime_error("bare receiver reported nothing");
    }
    receiver.wait(10s);
    Outcome outcome;
    outcome.counted = static_cast<std::uint64_t>(figures[0]);
    outcome.per_second = static_cast<double>(outcome.counted) * 1e9 / static_cast<double>(wall);
    outcome.cpu_ns_per_datagram = static_cast<double>(figures[1]) /
                                  static_cast<double>(std::max<std::uint64_t>(1, outcome.counted));
    return outcome;
}

Outcome run_broker(const Programs& programs, const Load& load) {
    BrokerOptions options;
    options.rest = "[rate_limit]\nburst = 1000000\nper_second = 1000000\n\n"
                   "[[group]]\nname = \"pool\"\nexpect = 1\nrequired = false\n";
    BrokerRun broker(programs, options);
    const std::int64_t cpu_before = cpu_ns(broker.pid());
    const std::int64_t wall = drive_senders(broker.socket_path(), load);
    const std::int64_t cpu_after = cpu_ns(broker.pid());
    const BrokerSummary summary = broker.stop();
    const std::uint64_t expected = load.senders * (load.per_sender + 1);
    if (summary.received != expected) {
        throw std::runtime_error("broker processed " + std::to_string(summary.received) +
                                 " datagrams, expected " + std::to_string(expected));
    }
    Outcome outcome;
    outcome.counted = summary.received;
    outcome.per_second = static_cast<double>(expected) * 1e9 / static_cast<double>(wall);
    outcome.cpu_ns_per_datagram =
        static_cast<double>(cpu_after - cpu_before) / static_cast<double>(expected);
    return outcome;
}

Outcome median(std::vector<Outcome> outcomes) {
    std::sort(outcomes.begin(), outcomes.end(),
              [](const Outcome& a, const Outcome& b) { return a.per_second < b.per_second; });
    return outcomes[outcomes.size() / 2];
}

} // namespace

void run_ingest(Suite& suite) {
    const std::size_t repeats = suite.pick(3, 1);
    for (const Payload payload : {Payload::status, Payload::watchdog}) {
        Load load;
        // One core per process: with more senders than spare cores the receiver's
        // share of the CPU, not its cost, would decide the throughput.
        load.senders = static_cast<std::size_t>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN) - 1));
        load.per_sender = suite.pick(200'000, 20'000) / load.senders;
        load.payload = payload;
        std::vector<Outcome> bare, bare_plain, broker;
        for (std::size_t r = 0; r < repeats; ++r) {
            bare.push_back(run_bare(load, true));
            bare_plain.push_back(run_bare(load, false));
            broker.push_back(run_broker(suite.programs, load));
        }
        const Outcome b = median(bare);
        const Outcome p = median(bare_plain);
        const Outcome k = median(broker);
        const std::string what = payload == Payload::status ? "STATUS=<changing>" : "WATCHDOG=1";
        const std::string scenario = "1 ingest (" + what + ")";
        const std::string shape = std::to_string(load.senders) + " senders × " +
                                  std::to_string(load.per_sender) + ", median of " +
                                  std::to_string(repeats);
        const double ratio = k.per_second / b.per_second;
        suite.report.add({scenario, "broker datagrams/s", fixed(k.per_second, 0), "", {}, shape});
        suite.report.add({scenario,
                          "bare receiver datagrams/s (SO_PASSCRED+SO_PASSPIDFD, as broker)",
                          fixed(b.per_second, 0),
                          "",
                          {},
                          ""});
        suite.report.add(
            {scenario, "broker ÷ bare (throughput)", fixed(ratio, 2), "≥ 0.75", ratio >= 0.75, ""});
        const double efficiency = b.cpu_ns_per_datagram / k.cpu_ns_per_datagram;
        suite.report.add({scenario, "bare ÷ broker (CPU per datagram)", fixed(efficiency, 2),
                          "≥ 0.75", efficiency >= 0.75, "independent of machine load"});
        suite.report.add({scenario,
                          "CPU per datagram: broker / bare / bare without SO_PASSPIDFD",
                          fixed(k.cpu_ns_per_datagram / 1e3, 2) + " / " +
                              fixed(b.cpu_ns_per_datagram / 1e3, 2) + " / " +
                              fixed(p.cpu_ns_per_datagram / 1e3, 2) + " µs",
                          "",
                          {},
                          "receiver's own CPU time (schedstat / CPUTIME)"});
        suite.report.add({scenario,
                          "bare without SO_PASSPIDFD datagrams/s",
                          fixed(p.per_second, 0),
                          "",
                          {},
                          ""});
    }
}

} // namespace nb::bench
