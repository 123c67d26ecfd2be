// One source of numbers: on a running notify-brokerd, `notify-broker status
// --json`, the D-Bus properties (read with busctl, a reader we did not write),
// `notify-broker metrics` and the broker's metrics_file all say the same, and
// Prometheus' own checker (promtool check metrics) accepts both metrics texts.

#include "broker_harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::test {
namespace {

using namespace std::chrono_literals;

/// "name{labels}" -> value, for every sample line of a metrics text.
std::map<std::string, std::string> samples(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const auto space = line.rfind(' ');
        out[line.substr(0, space)] = line.substr(space + 1);
    }
    return out;
}

std::string value(const std::map<std::string, std::string>& metrics, const std::string& series) {
    const auto found = metrics.find(series);
    return found == metrics.end() ? "<no " + series + ">" : found->second;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

class MetricsAgreement : public ::testing::Test {
protected:
    void SetUp() override {
        if (::access("/usr/bin/promtool", X_OK) != 0) {
            GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";
        }
        {
            std::ofstream config(config_path());
            config << "[broker]\nmetrics_file = \"" << metrics_path() << "\"\n";
        }
        ASSERT_EQ(daemon.spawn(loop.get(),
                               {NB_BROKERD, "--config=" + config_path(), "--bus=" + bus.address(),
                                std::string("--bus-name=") + broker_name, "--socket=" + socket(),
                                "--expect=3", "--status-interval=50ms"},
                               {"NOTIFY_SOCKET="}),
                  0);
        // The name on the bus is the broker's last start-up step we can see.
        ASSERT_TRUE(poll_until([&] {
            return run({"busctl", "--address=" + bus.address(), "status", broker_name})
                       ->exit_status() == 0;
        })) << daemon.err();
    }
    void TearDown() override {
        if (!daemon.exited()) {
            daemon.kill(SIGTERM);
            EXPECT_TRUE(loop.run_until([&] { return daemon.exited(); }));
        }
        EXPECT_EQ(loop.drain_and_close(), 0);
    }

    std::string socket() const { return bus.directory() + "/notify.sock"; }
    std::string config_path() const { return bus.directory() + "/broker.toml"; }
    std::string metrics_path() const { return bus.directory() + "/nb.prom"; }

    std::unique_ptr<LoopProcess> run(std::vector<std::string> argv,
                                     std::vector<std::string> env = {}) {
        auto child = std::make_unique<LoopProcess>();
        EXPECT_EQ(child->spawn(loop.get(), std::move(argv), std::move(env)), 0);
        loop.run_until([&] { return child->exited(); });
        return child;
    }
    /// The broker writes its file on its own clock: looked at every 50 ms, 10 s at most.
    bool poll_until(const std::function<bool()>& done) {
        for (int i = 0; i < 200; ++i) {
            if (done()) {
                return true;
            }
            loop.run_until([] { return false; }, 50ms);
        }
        return done();
    }
    std::vector<std::string> cli(const std::string& command) {
        return {NB_CLI, command, "--bus=" + bus.address(),
                std::string("--bus-name=") + broker_name};
    }
    std::string property(const std::string& name, bool json = false) {
        std::vector<std::string> argv = {"busctl", "--address=" + bus.address()};
        if (json) {
            argv.emplace_back("--json=short");
        }
        argv.insert(argv.end(), {"get-property", broker_name, "/org/notifybroker/Broker1",
                                 "org.notifybroker.Broker1", name});
        auto child = run(argv);
        EXPECT_EQ(child->exit_status(), 0) << child->err();
        return trimmed(child->out());
    }
    std::string json_status(const std::string& expression) {
        std::vector<std::string> argv = {"/bin/sh", "-c", "\"$@\" | /usr/bin/python3 -c \"$NB_PY\"",
                                         "sh"};
        for (const auto& a : cli("status")) {
            argv.push_back(a);
        }
        argv.emplace_back("--json");
        auto child =
            run(argv, {"NB_PY=import json,sys; d=json.load(sys.stdin); print(" + expression + ")"});
        EXPECT_EQ(child->exit_status(), 0) << child->err();
        return trimmed(child->out());
    }
    void promtool_accepts(const std::string& path) {
        auto check = run({"/bin/sh", "-c", "promtool check metrics < \"$1\"", "sh", path});
        EXPECT_EQ(check->exit_status(), 0) << path << ":\n" << check->out() << check->err();
    }
    void send_raw(const std::string& bytes) {
        const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket().c_str());
        EXPECT_EQ(::sendto(fd, bytes.data(), bytes.size(), 0,
                           reinterpret_cast<const sockaddr*>(&address), sizeof address),
                  static_cast<ssize_t>(bytes.size()));
        ::close(fd);
    }

    PrivateBus bus;
    TestLoop loop;
    LoopProcess daemon;
};

TEST_F(MetricsAgreement, StatusJsonPropertiesCliMetricsAndMetricsFileAgree) {
    for (const char* name : {"web-1", "web-2"}) {
        auto worker = run({"systemd-notify", "--ready", std::string("X_WORKER=") + name},
                          {"NOTIFY_SOCKET=" + socket()});
        ASSERT_EQ(worker->exit_status(), 0) << worker->err();
    }
    send_raw(std::string("READY=1\0", 8)); // a NUL: dropped as malformed

    // The file catches up within a period (1 s here).
    std::map<std::string, std::string> file;
    ASSERT_TRUE(poll_until([&] {
        file = samples(read_file(metrics_path()));
        return file["nb_workers_ready"] == "2" &&
               file["nb_datagrams_total{verdict=\"malformed\"}"] == "1";
    })) << read_file(metrics_path())
        << daemon.err();

    auto printed = run(cli("metrics"));
    ASSERT_EQ(printed->exit_status(), 0) << printed->err();
    const std::string cli_path = bus.directory() + "/cli.prom";
    std::ofstream(cli_path) << printed->out();
    const std::map<std::string, std::string> shown = samples(printed->out());

    promtool_accepts(metrics_path());
    promtool_accepts(cli_path);

    // --json and the properties...
    EXPECT_EQ(json_status("d['ready'], d['expected'], d['known'], d['state']"), "2 3 2 starting");
    EXPECT_EQ(property("ReadyCount"), "u 2");
    EXPECT_EQ(property("ExpectedCount"), "u 3");
    EXPECT_EQ(property("KnownCount"), "u 2");
    EXPECT_EQ(property("State"), "s \"starting\"");
    // ...and both metrics texts.
    for (const auto* metrics : {static_cast<const decltype(file)*>(&file), &shown}) {
        EXPECT_EQ(value(*metrics, "nb_workers_ready"), "2");
        EXPECT_EQ(value(*metrics, "nb_workers_expected"), "3");
        EXPECT_EQ(value(*metrics, "nb_workers_known"), "2");
        EXPECT_EQ(value(*metrics, "nb_pool_state{state=\"starting\"}"), "1");
        EXPECT_EQ(value(*metrics, "nb_workers{group=\"workers\",state=\"ready\"}"), "2");
        EXPECT_EQ(
            value(*metrics, "nb_worker_state{worker=\"web-1\",group=\"workers\",state=\"ready\"}"),
            "1");
        EXPECT_EQ(value(*metrics, "nb_datagrams_total{verdict=\"malformed\"}"), "1");
    }
    // The counters: the property, the CLI and the file, number for number.
    const std::string counters = property("Counters", true);
    auto counter = [&](const std::string& key) {
        auto child = run({"/usr/bin/python3", "-c",
                          "import json,sys; print(json.loads(sys.argv[1])['data'][sys.argv[2]])",
                          counters, key});
        EXPECT_EQ(child->exit_status(), 0) << child->err() << counters;
        return trimmed(child->out());
    };
    EXPECT_EQ(counter("datagrams.malformed"), "1");
    for (const auto& [key, series] : std::map<std::string, std::string>{
             {"datagrams.accepted", "nb_datagrams_total{verdict=\"accepted\"}"},
             {"datagrams.received", "nb_datagrams_received_total"},
             {"upstream.status", "nb_upstream_messages_total{kind=\"status\"}"},
             {"workers.restored", "nb_restored_workers_total"}}) {
        EXPECT_EQ(value(shown, series), counter(key)) << series;
        EXPECT_EQ(value(file, series), counter(key)) << series;
    }
    EXPECT_EQ(property("Version"), "s \"" NB_VERSION "\"");
    EXPECT_EQ(value(shown, "nb_build_info{version=\"" NB_VERSION "\"}"), "1");
    EXPECT_EQ(value(file, "nb_build_info{version=\"" NB_VERSION "\"}"), "1");
}

} // namespace
} // namespace nb::test
