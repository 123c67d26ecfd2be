// The logger's sinks with real pipes and sockets: a reader that stops reading
// (a stuck journal, a pipe nobody drains) never stops the caller, what could
// not be written is counted and announced once the sink takes entries again,
// and the journal entry carries MESSAGE_ID and the NB_* fields, with no way
// for a value to add a field of its own.

#include "base/log_sinks.hpp"
#include "base/logger.hpp"
#include "shell/log_event.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

using namespace std::chrono_literals;

constexpr int entries = 20'000;
const std::string filler(200, 'x');

/// fd 2 replaced by `fd` for the test's lifetime; the logger's sink is reset.
class StderrSwap {
public:
    explicit StderrSwap(int fd) : saved_(::dup(STDERR_FILENO)) {
        ::dup2(fd, STDERR_FILENO);
        ::unsetenv("JOURNAL_STREAM");
        reset_log_target();
    }
    ~StderrSwap() {
        reset_log_target();
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
    }

private:
    int saved_;
};

/// Logs `entries` lines on a thread; true if they were all done within 10 s.
/// If not, `unblock` is called so the thread can finish before we fail.
bool logs_without_blocking(const std::function<void()>& unblock) {
    auto done = std::async(std::launch::async, [] {
        for (int i = 0; i < entries; ++i) {
            log(LogLevel::warning, "entry " + std::to_string(i) + " " + filler);
        }
    });
    if (done.wait_for(10s) == std::future_status::ready) {
        return true;
    }
    unblock();
    done.wait();
    return false;
}

std::string drain(int fd) {
    std::string all;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            return all;
        }
        all.append(buf, static_cast<std::size_t>(n));
    }
}

TEST(ALogOnAPipeNobodyReads, NeverBlocksCountsWhatItDroppedAndSaysSoWhenReadAgain) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    ::fcntl(p[0], F_SETFL, O_NONBLOCK);
    {
        StderrSwap swap(p[1]);
        open_log_target();
        const auto before = log_entries_dropped();
        EXPECT_TRUE(logs_without_blocking([&] { drain(p[0]); }))
            << "a full stderr pipe blocked the logger";
        EXPECT_GT(log_entries_dropped() - before, 0U);
        // The pipe blocked only us: fd 2's own file description stays blocking
        // for the processes that share it.
        EXPECT_EQ(::fcntl(STDERR_FILENO, F_GETFL) & O_NONBLOCK, 0);
        drain(p[0]);
        log(LogLevel::warning, "after the stall");
        const std::string read_again = drain(p[0]);
        EXPECT_NE(read_again.find(" log entries dropped"), std::string::npos) << read_again;
        EXPECT_NE(read_again.find("<4>after the stall\n"), std::string::npos) << read_again;
    }
    ::close(p[0]);
    ::close(p[1]);
}

class AJournalSocket : public ::testing::Test {
protected:
    void SetUp() override {
        char dir_template[] = "/tmp/nb-journal-XXXXXX";
        ASSERT_NE(::mkdtemp(dir_template), nullptr);
        dir_ = dir_template;
        path_ = dir_ + "/socket";
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
        ASSERT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
        reset_log_target();
        ASSERT_TRUE(open_journal_target(path_));
    }
    void TearDown() override {
        reset_log_target();
        ::close(fd_);
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    std::string receive() {
        char buf[16384];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }

    std::string dir_;
    std::string path_;
    int fd_ = -1;
};

TEST_F(AJournalSocket, NobodyReadingNeverBlocksTheLoggerAndTheLossIsCounted) {
    const auto before = log_entries_dropped();
    EXPECT_TRUE(logs_without_blocking([&] {
        while (!receive().empty()) {
        }
    })) << "a journal socket nobody reads blocked the logger";
    EXPECT_GT(log_entries_dropped() - before, 0U);
    while (!receive().empty()) {
    }
    log(LogLevel::info, "after the stall");
    EXPECT_NE(receive().find(" log entries dropped"), std::string::npos);
    EXPECT_NE(receive().find("MESSAGE=after the stall\n"), std::string::npos);
}

TEST_F(AJournalSocket, GetsMessageIdAndFieldsAndAValueCannotAddAField) {
    EventFields fields;
    fields.worker = "web-2\nPRIORITY=0";
    fields.group = "web";
    fields.unit = "web@2.service";
    fields.pid = 42;
    fields.uid = 1000;
    fields.reason = "watchdog";
    log_event(LogLevel::warning, LogEvent::worker_late, fields, "worker web-2 is late\nforged");
    EXPECT_EQ(receive(), "MESSAGE=worker web-2 is late forged\n"
                         "PRIORITY=4\n"
                         "SYSLOG_IDENTIFIER=notify-brokerd\n"
                         "MESSAGE_ID=" +
                             std::string(message_id(LogEvent::worker_late)) +
                             "\n"
                             "NB_WORKER=web-2 PRIORITY=0\n"
                             "NB_GROUP=web\n"
                             "NB_UNIT=web@2.service\n"
                             "NB_PID=42\n"
                             "NB_UID=1000\n"
                             "NB_REASON=watchdog\n");
}

TEST(EveryLogEvent, HasItsOwnMessageIdOf32HexDigits) {
    std::set<std::string_view> ids;
    for (std::size_t i = 0; i < log_event_count; ++i) {
        const auto id = message_id(static_cast<LogEvent>(i));
        EXPECT_EQ(id.size(), 32U);
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string_view::npos) << id;
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), log_event_count);
}

TEST(TheCatalog, ExplainsEveryLogEvent) {
    std::ifstream in(NB_CATALOG_FILE);
    std::stringstream text;
    text << in.rdbuf();
    for (std::size_t i = 0; i < log_event_count; ++i) {
        const auto event = static_cast<LogEvent>(i);
        EXPECT_NE(text.str().find("\n-- " + std::string(message_id(event)) + "\nSubject: "),
                  std::string::npos)
            << to_string(event) << " has no entry in " << NB_CATALOG_FILE;
    }
}

TEST(JournalStream, IsStderrOnlyWhenItNamesStderrsDeviceAndInode) {
    struct stat st {};
    ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
    const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    ::setenv("JOURNAL_STREAM", mine.c_str(), 1);
    EXPECT_TRUE(JournalSink::stderr_is_journal_stream());
    ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":1").c_str(), 1);
    EXPECT_FALSE(JournalSink::stderr_is_journal_stream());
    ::setenv("JOURNAL_STREAM", "garbage", 1);
    EXPECT_FALSE(JournalSink::stderr_is_journal_stream());
    ::unsetenv("JOURNAL_STREAM");
    EXPECT_FALSE(JournalSink::stderr_is_journal_stream());
}

} // namespace
} // namespace nb::daemon
