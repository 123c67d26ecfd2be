// Cost of one notification: our Notifier (socket opened once, reused) against
// libsystemd's sd_notify() (a new socket per call), both sending READY=1 into
// the same AF_UNIX datagram socket that a thread drains. Prints the ratio.

#include <nb/client/notifier.hpp>

#include <benchmark/benchmark.h>
#include <systemd/sd-daemon.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

constexpr std::string_view stop_word = "X_BENCH_STOP=1";

// An abstract socket drained by a thread until it receives stop_word.
class Receiver {
public:
    Receiver() : address_("@nb-bench-" + std::to_string(getpid())) {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un un{};
        un.sun_family = AF_UNIX;
        address_.copy(un.sun_path, address_.size());
        un.sun_path[0] = '\0';
        const auto length =
            static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
        if (fd_ < 0 || bind(fd_, reinterpret_cast<const sockaddr*>(&un), length) < 0) {
            std::perror("bench receiver");
            std::exit(1);
        }
        const int big = 8 * 1024 * 1024;
        (void)setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
        thread_ = std::thread([this] { drain(); });
    }
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;
    ~Receiver() {
        nb::client::Notifier(address_).notify(stop_word);
        thread_.join();
        close(fd_);
    }
    [[nodiscard]] const std::string& address() const { return address_; }

private:
    void drain() noexcept {
        char buffer[4096];
        for (;;) {
            const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
            if (n < 0 && errno != EINTR) {
                return;
            }
            if (n == static_cast<ssize_t>(stop_word.size()) &&
                std::string_view(buffer, static_cast<std::size_t>(n)) == stop_word) {
                return;
            }
        }
    }

    std::string address_;
    int fd_ = -1;
    std::thread thread_;
};

Receiver* receiver = nullptr;

void notifier_ready(benchmark::State& state) {
    nb::client::Notifier notifier(receiver->address());
    for (auto _ : state) {
        if (!notifier.notify("READY=1")) {
            state.SkipWithError("notify failed");
            break;
        }
    }
}
BENCHMARK(notifier_ready)->Name("notify-broker Notifier::notify(READY=1)");

void notifier_ready_fresh_socket(benchmark::State& state) {
    nb::client::Notifier notifier(receiver->address());
    for (auto _ : state) {
        if (!notifier.notify("READY=1")) {
            state.SkipWithError("notify failed");
            break;
        }
        notifier.close(); // what libsystemd does on every call
    }
}
BENCHMARK(notifier_ready_fresh_socket)->Name("notify-broker notify+close (fresh socket)");

void sd_notify_ready(benchmark::State& state) {
    setenv("NOTIFY_SOCKET", receiver->address().c_str(), 1);
    for (auto _ : state) {
        if (sd_notify(0, "READY=1") <= 0) {
            state.SkipWithError("sd_notify failed");
            break;
        }
    }
}
BENCHMARK(sd_notify_ready)->Name("libsystemd sd_notify(READY=1)");

struct Times {
    double real = 0;
    double cpu = 0;
};

// Google Benchmark 1.7 (Debian 12) flags a failed run with error_occurred, 1.8
// and later (Debian 13) with skipped.
template <class Run>
bool run_failed(const Run& run) {
    if constexpr (requires { run.skipped; }) {
        return static_cast<bool>(run.skipped);
    } else {
        return run.error_occurred;
    }
}

// Remembers each benchmark's time per iteration (the median when repeated)
// while printing as usual.
class RecordingReporter : public benchmark::ConsoleReporter {
public:
    RecordingReporter() : ConsoleReporter(OO_None) {} // plain text: read in ctest logs
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& run : runs) {
            const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
            const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
            if ((single || median) && !run_failed(run)) {
                times[run.run_name.str()] = {run.GetAdjustedRealTime(), run.GetAdjustedCPUTime()};
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }
    std::map<std::string, Times> times;
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    Receiver drained;
    receiver = &drained;
    RecordingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    const auto ours = reporter.times.find("notify-broker Notifier::notify(READY=1)");
    const auto theirs = reporter.times.find("libsystemd sd_notify(READY=1)");
    if (ours != reporter.times.end() && theirs != reporter.times.end() && theirs->second.real > 0 &&
        theirs->second.cpu > 0) {
        std::printf("notify-broker/libsystemd time ratio: %.3f real (%.0f ns vs %.0f ns), "
                    "%.3f cpu (%.0f ns vs %.0f ns) per READY=1\n",
                    ours->second.real / theirs->second.real, ours->second.real, theirs->second.real,
                    ours->second.cpu / theirs->second.cpu, ours->second.cpu, theirs->second.cpu);
    }
    return 0;
}
