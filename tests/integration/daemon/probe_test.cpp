// Health probes against real targets (issue 15, A.4): a plain HTTP server
// (python3 -m http.server), a server that accepts and never answers, a real
// TCP listener, real commands (success, failure, timeout). The broker runs as
// a real process; what it tells systemd is read from its upstream socket.

#include "support/broker_test.hpp"

#include <nb/test/child_process.hpp>
#include <nb/test/fd.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// A TCP socket on 127.0.0.1, an ephemeral port, listening but never
/// accepting: the kernel completes connections (a tcp probe passes), nobody
/// ever answers what is sent on them (an http probe times out).
class SilentListener {
public:
    SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (!fd_ || ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(fd_.get(), 64) != 0 ||
            ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        port_ = ntohs(address.sin_port);
    }
    [[nodiscard]] int port() const noexcept { return port_; }
    void close() noexcept { fd_.reset(); }

private:
    Fd fd_;
    int port_ = 0;
};

/// A port nothing listens on (bound, then released; the kernel hands
/// ephemeral ports out in turn, so it stays free for the test's seconds).
int free_port() {
    SilentListener listener;
    return listener.port();
}

class Probes : public BrokerTest {
protected:
    /// Waits until the broker's log contains text (the log is a file: read
    /// again every 20 ms, at most `timeout`).
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (broker_->log().find(text) != std::string::npos) {
                return true;
            }
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    /// A STATUS upstream that contains text.
    std::optional<std::string> wait_for_status(const std::string& text,
                                               std::chrono::milliseconds timeout = 10s) {
        return upstream_.wait_for(
            [&](const std::string& datagram) {
                for (const auto& line : lines_of(datagram)) {
                    if (line.starts_with("STATUS=") && line.find(text) != std::string::npos) {
                        return true;
                    }
                }
                return false;
            },
            timeout);
    }

    BrokerProcess& start_with(const std::string& config) {
        BrokerOptions options;
        options.config = config;
        options.args = {"--status-interval", "1ms"};
        options.log_level = "debug";
        return start_broker(options);
    }
};

/// python3 -m http.server on 127.0.0.1:port, serving `root`; waits until it
/// accepts connections.
ChildProcess http_server(int port, const std::string& root, const std::string& log) {
    SpawnOptions options;
    options.output_file = log;
    auto server = ChildProcess::spawn({"/usr/bin/python3", "-m", "http.server", "--bind",
                                       "127.0.0.1", "--directory", root, std::to_string(port)},
                                      options);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
        Fd probe(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            return server;
        }
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("python3 -m http.server did not start");
}

std::string group_of(unsigned expect) {
    return "[[group]]\nname = \"pool\"\nexpect = " + std::to_string(expect) + "\n";
}

TEST_F(Probes, APlainHttpServerCountsOnceItAnswersAndABodyMismatchDoesNot) {
    const int port = free_port();
    std::filesystem::create_directories(dir_.path().string() + "/www");
    std::ofstream(dir_.path().string() + "/www/health") << "all good\n";
    auto server =
        http_server(port, dir_.path().string() + "/www", dir_.path().string() + "/http.log");
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    start_with(group_of(2) + "[[probe]]\nworker = \"web\"\nkind = \"http\"\nurl = \"" + base +
               "/health\"\nbody = \"good\"\ninterval = \"200ms\"\n"
               "[[probe]]\nworker = \"picky\"\nkind = \"http\"\nurl = \"" +
               base +
               "/health\"\nbody = \"perfect\"\ninterval = \"200ms\"\nstart_timeout = \"1s\"\n"
               "[[probe]]\nworker = \"missing\"\nkind = \"http\"\nurl = \"" +
               base + "/nothing-here\"\ninterval = \"200ms\"\n");
    ASSERT_TRUE(wait_for_status("1/2 workers ready")) << "web's probe passes";
    ASSERT_TRUE(wait_for_status("picky late")) << "picky's body lacks 'perfect'";
    EXPECT_EQ(upstream_.count_line("READY=1"), 0U);
    EXPECT_TRUE(wait_for_log("but the body does not contain 'perfect'", 5s));
    EXPECT_TRUE(wait_for_log("probe of worker missing failed: http status 404", 5s));
}

TEST_F(Probes, AnHttpProbeOfAServerThatAcceptsAndNeverAnswersTimesOut) {
    SilentListener silent;
    auto& broker = start_with(group_of(1) +
                              "[[probe]]\nworker = \"stuck\"\nkind = \"http\"\n"
                              "url = \"http://127.0.0.1:" +
                              std::to_string(silent.port()) +
                              "/\"\ninterval = \"100ms\"\ntimeout = \"300ms\"\n"
                              "start_timeout = \"1s\"\n");
    ASSERT_TRUE(wait_for_status("stuck late"));
    EXPECT_TRUE(wait_for_log("probe of worker stuck timed out (300 ms)", 5s)) << broker.log();
    // Every timed-out transfer closed its connection: the broker's fds stay few.
    const auto fds = broker.fd_count();
    EXPECT_TRUE(wait_for_log("probe of worker stuck", 1s));
    std::this_thread::sleep_for(1s); // ~3 more probes, each a connection
    EXPECT_LE(broker.fd_count(), fds + 2) << broker.fd_listing();
}

TEST_F(Probes, ATcpProbeFollowsAListenerAndATcpProbeOfAFreePortFails) {
    auto listener = std::make_unique<SilentListener>();
    const int closed_port = free_port();
    start_with(group_of(1) + "[[probe]]\nworker = \"db\"\nkind = \"tcp\"\naddress = \"127.0.0.1:" +
               std::to_string(listener->port()) +
               "\"\ninterval = \"100ms\"\nfailure_threshold = 2\n" +
               "[[probe]]\nworker = \"off\"\nkind = \"tcp\"\naddress = \"127.0.0.1:" +
               std::to_string(closed_port) + "\"\ninterval = \"100ms\"\n");
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s));
    EXPECT_TRUE(wait_for_log("probe of worker off failed: connect: connection refused", 5s));
    listener->close();
    ASSERT_TRUE(wait_for_status("db late")) << "two refused connections in a row";
    EXPECT_TRUE(wait_for_log("worker db is late: its probe failed 2 time(s) in a row", 5s));
}

TEST_F(Probes, ATcpProbeConnectsToAUnixSocket) {
    const std::string path = dir_.path().string() + "/service.sock";
    Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener.get(), 16), 0);
    start_with(group_of(1) + "[[probe]]\nworker = \"local\"\nkind = \"tcp\"\naddress = \"" + path +
               "\"\ninterval = \"100ms\"\n");
    EXPECT_TRUE(upstream_.wait_for_line("READY=1", 10s));
}

TEST_F(Probes, ExecProbesPassOnExitZeroAndLogAFailingCommandsBoundedOutput) {
    auto& broker =
        start_with(group_of(1) +
                   "[[probe]]\nworker = \"good\"\nkind = \"exec\"\ncommand = [\"/bin/true\"]\n"
                   "interval = \"100ms\"\n"
                   "[[probe]]\nworker = \"bad\"\nkind = \"exec\"\ncommand = [\"/bin/sh\", \"-c\", "
                   "\"echo broken-output; head -c 5000 /dev/zero | tr '\\\\0' x; exit 3\"]\n"
                   "interval = \"100ms\"\n[[group]]\nname = \"optional\"\nrequired = false\n"
                   "match = [\"bad\"]\n");
    ASSERT_TRUE(upstream_.wait_for_line("READY=1", 10s));
    ASSERT_TRUE(wait_for_log("probe of worker bad failed: exit status 3: broken-output", 5s))
        << broker.log();
    const std::string log = broker.log();
    const auto at = log.find("exit status 3: broken-output");
    const auto end = log.find('\n', at);
    EXPECT_LT(end - at, 600U) << "the output is cut at 512 bytes";
}

TEST_F(Probes, AnExecProbeThatOverrunsItsTimeoutIsKilledAndReaped) {
    auto& broker =
        start_with(group_of(1) + "[[probe]]\nworker = \"slow\"\nkind = \"exec\"\n"
                                 "command = [\"/bin/sleep\", \"30\"]\ninterval = \"100ms\"\n"
                                 "timeout = \"200ms\"\n");
    ASSERT_TRUE(wait_for_log("probe of worker slow timed out (200 ms)", 5s)) << broker.log();
    // The killed sleeps are reaped: the broker has at most the current one as child.
    const auto children = [&] {
        std::size_t count = 0;
        for (const auto& task : std::filesystem::directory_iterator(
                 "/proc/" + std::to_string(broker.pid()) + "/task")) {
            std::ifstream file(task.path() / "children");
            std::string pid;
            while (file >> pid) {
                std::ifstream stat("/proc/" + pid + "/stat");
                std::string line;
                std::getline(stat, line);
                count += line.find(") Z ") != std::string::npos ? 1 : 0; // zombies only
            }
        }
        return count;
    };
    // Five probes killed: unreaped, they would be five zombies. A probe killed
    // this very moment may be one until the loop's next SIGCHLD: at most one.
    const auto timeouts = [&] {
        const std::string log = broker.log();
        std::size_t count = 0;
        for (auto at = log.find("timed out (200 ms)"); at != std::string::npos;
             at = log.find("timed out (200 ms)", at + 1)) {
            ++count;
        }
        return count;
    };
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (timeouts() < 5 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms); // polling the log, bounded
    }
    ASSERT_GE(timeouts(), 5U) << broker.log();
    EXPECT_LE(children(), 1U) << "killed probe children are reaped, not left as zombies";
    EXPECT_EQ(broker.terminate(), 0);
}

} // namespace
} // namespace nb::test
