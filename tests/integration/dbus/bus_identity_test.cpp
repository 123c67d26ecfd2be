// Who a D-Bus caller is, as the bus daemon vouches (issue 11, finding 2): a
// uid-65534 process connects and hands its connection to a child, then exits;
// a root process takes its pid (ns_last_pid). The bus still reports the pid of
// the process that connected, and /proc of that pid now describes root. The
// broker must take the bus's uid, and neither the newcomer's uid nor its unit.
// The caller speaks D-Bus on the raw socket: sd-bus refuses to be used after
// fork(), and handing a live connection to a child is the point.

#include "broker_harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace nb::test {
namespace {

void pad(std::string& out, std::size_t alignment) {
    while (out.size() % alignment != 0) {
        out.push_back('\0');
    }
}

void put_u32(std::string& out, std::uint32_t value) {
    pad(out, 4);
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
}

void put_string(std::string& out, const std::string& text) {
    put_u32(out, static_cast<std::uint32_t>(text.size()));
    out += text;
    out.push_back('\0');
}

void put_field(std::string& out, char code, char type, const std::string& value) {
    pad(out, 8);
    out.push_back(code);
    out.push_back('\1');
    out.push_back(type);
    out.push_back('\0');
    if (type == 'g') {
        out.push_back(static_cast<char>(value.size()));
        out += value;
        out.push_back('\0');
    } else {
        put_string(out, value);
    }
}

// A little-endian METHOD_CALL with an optional single string argument.
std::string method_call(std::uint32_t serial, const std::string& destination,
                        const std::string& path, const std::string& interface,
                        const std::string& member, const std::string* argument) {
    std::string body;
    if (argument != nullptr) {
        put_string(body, *argument);
    }
    std::string fields;
    put_field(fields, 1, 'o', path);
    put_field(fields, 2, 's', interface);
    put_field(fields, 3, 's', member);
    put_field(fields, 6, 's', destination);
    if (argument != nullptr) {
        put_field(fields, 8, 'g', "s");
    }
    std::string message = {'l', '\1', '\0', '\1'};
    put_u32(message, static_cast<std::uint32_t>(body.size()));
    put_u32(message, serial);
    put_u32(message, static_cast<std::uint32_t>(fields.size()));
    message += fields; // starts at offset 16: aligned to 8 like the fields
    pad(message, 8);
    return message + body;
}

bool write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string socket_path(const std::string& address) {
    const std::string key = "unix:path=";
    std::string path = address.substr(address.find(key) + key.size());
    return path.substr(0, path.find(','));
}

// The process that connects as uid 65534 (then exits) and its child that keeps
// the connection and makes the call when told to.
struct HandedOverCaller {
    pid_t connector = -1; ///< the pid the bus reports
    pid_t holder = -1;    ///< the child that holds the connection
    int go = -1;          ///< write a byte: the holder calls Ready("web-1")
    int stay = -1;        ///< close: the holder exits
};

HandedOverCaller start_handed_over_caller(const std::string& address) {
    int go[2];
    int stay[2];
    int report[2];
    if (pipe(go) != 0 || pipe(stay) != 0 || pipe(report) != 0) {
        return {};
    }
    const pid_t connector = fork();
    if (connector == 0) {
        close(go[1]);
        close(stay[1]);
        close(report[0]);
        if (setresgid(65534, 65534, 65534) != 0 || setgroups(0, nullptr) != 0 ||
            setresuid(65534, 65534, 65534) != 0) {
            _exit(2);
        }
        const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const std::string path = socket_path(address);
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            _exit(3);
        }
        // "65534" in hex: the uid we authenticate as (the kernel checks it).
        if (!write_all(fd, std::string("\0AUTH EXTERNAL 3635353334\r\n", 27))) {
            _exit(4);
        }
        char buf[512];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n < 2 || buf[0] != 'O' || buf[1] != 'K') {
            _exit(5);
        }
        if (!write_all(fd, "BEGIN\r\n") ||
            !write_all(fd, method_call(1, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "Hello", nullptr))) {
            _exit(6);
        }
        if (read(fd, buf, sizeof buf) <= 0) { // the Hello reply: we are on the bus
            _exit(7);
        }
        const pid_t holder = fork();
        if (holder == 0) {
            char byte = 0;
            if (read(go[0], &byte, 1) != 1) {
                _exit(8);
            }
            const std::string name = "web-1";
            if (!write_all(fd, method_call(2, broker_name, broker_path, broker_interface, "Ready",
                                           &name))) {
                _exit(9);
            }
            while (read(stay[0], &byte, 1) > 0) {
            }
            _exit(0);
        }
        const std::int32_t pid = holder;
        const ssize_t ignored = write(report[1], &pid, sizeof pid);
        static_cast<void>(ignored);
        _exit(holder > 0 ? 0 : 10);
    }
    close(go[0]);
    close(stay[0]);
    close(report[1]);
    HandedOverCaller caller;
    caller.connector = connector;
    caller.go = go[1];
    caller.stay = stay[1];
    std::int32_t holder = -1;
    if (read(report[0], &holder, sizeof holder) == sizeof holder) {
        caller.holder = holder;
    }
    close(report[0]);
    int status = 0;
    waitpid(connector, &status, 0);
    return caller;
}

// A root process that sleeps under `pid` (by ns_last_pid); -1 if another
// process on the machine kept taking it.
pid_t occupy_pid(pid_t pid, int& release) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        {
            std::ofstream last("/proc/sys/kernel/ns_last_pid");
            last << (pid - 1);
            if (!last.flush()) {
                return -1;
            }
        }
        int hold[2];
        if (pipe(hold) != 0) {
            return -1;
        }
        const pid_t child = fork();
        if (child == 0) {
            close(hold[1]);
            char byte = 0;
            while (read(hold[0], &byte, 1) > 0) {
            }
            _exit(0);
        }
        close(hold[0]);
        if (child == pid) {
            release = hold[1];
            return child;
        }
        close(hold[1]);
        waitpid(child, nullptr, 0);
    }
    return -1;
}

bool known(BrokerHarness& h, const std::string& name) {
    const auto workers = h.broker.workers(h.clock());
    return std::any_of(workers.begin(), workers.end(),
                       [&](const auto& w) { return w.name == name; });
}

bool refused(const BrokerHarness& h) {
    return std::any_of(h.log.begin(), h.log.end(),
                       [](const auto& line) { return line.find("refused") != std::string::npos; });
}

core::BrokerConfig allowing(core::AllowRule rule) {
    rule.names = {"*"};
    core::BrokerConfig config;
    config.status_interval = std::chrono::milliseconds(0);
    config.allow = {std::move(rule)};
    return config;
}

// Runs the scenario; returns false (and says why) when this machine cannot.
struct Outcome {
    bool ran = false;
    std::string why_not;
    pid_t newcomer = -1;
};

Outcome call_after_the_pid_changed_hands(BrokerHarness& h, const std::string& newcomer_unit) {
    Outcome outcome;
    HandedOverCaller caller = start_handed_over_caller(h.bus.address());
    if (caller.holder <= 0) {
        outcome.why_not = "the handed-over caller did not start";
        return outcome;
    }
    int release = -1;
    outcome.newcomer = occupy_pid(caller.connector, release);
    if (outcome.newcomer < 0) {
        outcome.why_not = "could not place a process under the caller's pid (ns_last_pid)";
    } else {
        h.unit_of = [newcomer = outcome.newcomer, newcomer_unit](pid_t pid) {
            return pid == newcomer ? newcomer_unit : std::string();
        };
        const char byte = 1;
        outcome.ran = write(caller.go, &byte, 1) == 1 &&
                      h.loop.run_until([&] { return known(h, "web-1") || refused(h); });
        if (!outcome.ran) {
            outcome.why_not = "the call never reached the broker";
        }
    }
    close(caller.go);
    close(caller.stay);
    if (release >= 0) {
        close(release);
        waitpid(outcome.newcomer, nullptr, 0);
    }
    h.loop.run_until([] { return false; }, std::chrono::milliseconds(50));
    return outcome;
}

TEST(ADbusCallerWhosePidNowBelongsToRoot, IsTheBusDaemonsUid65534AndNotAdmittedAsRoot) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "switching uids and setting ns_last_pid need root";
    }
    core::AllowRule root;
    root.uid = 0;
    BrokerHarness h(allowing(root));
    const Outcome outcome = call_after_the_pid_changed_hands(h, "");
    if (!outcome.ran) {
        GTEST_SKIP() << outcome.why_not;
    }
    EXPECT_FALSE(known(h, "web-1")) << "admitted by the uid of the process that took the pid";
    ASSERT_TRUE(refused(h));
    const auto line = std::find_if(h.log.begin(), h.log.end(), [](const auto& l) {
        return l.find("refused") != std::string::npos;
    });
    EXPECT_NE(line->find("uid 65534, pid 0"), std::string::npos)
        << *line << " (the bus's uid, and no pid: the process under it is not the caller)";
    EXPECT_EQ(h.finish(), 0);
}

TEST(ADbusCallerWhosePidNowBelongsToRoot, DoesNotTakeTheUnitOfTheProcessThatTookThePid) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "switching uids and setting ns_last_pid need root";
    }
    core::AllowRule by_unit;
    by_unit.unit = "victim.service";
    BrokerHarness h(allowing(by_unit));
    const Outcome outcome = call_after_the_pid_changed_hands(h, "victim.service");
    if (!outcome.ran) {
        GTEST_SKIP() << outcome.why_not;
    }
    EXPECT_FALSE(known(h, "web-1")) << "admitted by the unit of the process that took the pid";
    EXPECT_TRUE(refused(h));
    EXPECT_EQ(h.finish(), 0);
}

} // namespace
} // namespace nb::test
