#include "send_options.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include <unistd.h>

namespace nb::cli {
namespace {

struct Parsed {
    int result = 0;
    SendOptions options;
};

Parsed parse(const std::vector<std::string>& options) {
    // (Built by insertion: GCC 14 warns of a null dereference in args[0] of a
    // vector sized options.size() + 1, which could wrap to 0.)
    std::vector<std::string> args{"notify-broker"};
    args.insert(args.end(), options.begin(), options.end());
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    Parsed parsed;
    parsed.result = parse_send_options(static_cast<int>(args.size()), argv.data(), parsed.options);
    return parsed;
}

TEST(SendOptions, CollectsFlagsStatusAndAssignments) {
    const auto parsed = parse({"--ready", "--status=a b", "X_A=1", "--stopping", "--no-block"});
    ASSERT_EQ(parsed.result, 1);
    EXPECT_TRUE(parsed.options.ready);
    EXPECT_TRUE(parsed.options.stopping);
    EXPECT_TRUE(parsed.options.no_block);
    EXPECT_EQ(parsed.options.status, "a b");
    EXPECT_EQ(parsed.options.assignments, std::vector<std::string>{"X_A=1"});
}

TEST(SendOptions, OptionsMayFollowAssignmentsLikeGetoptPermutes) {
    const auto parsed = parse({"A=1", "--ready"});
    ASSERT_EQ(parsed.result, 1);
    EXPECT_TRUE(parsed.options.ready);
    EXPECT_EQ(parsed.options.assignments, std::vector<std::string>{"A=1"});
}

TEST(SendOptions, DoubleDashEndsTheOptions) {
    const auto parsed = parse({"--", "--ready"});
    ASSERT_EQ(parsed.result, 1);
    EXPECT_FALSE(parsed.options.ready);
    EXPECT_EQ(parsed.options.assignments, std::vector<std::string>{"--ready"});
}

TEST(SendOptions, PidAcceptsSelfParentAutoAndNumbers) {
    EXPECT_EQ(parse({"--pid=self"}).options.pid, getpid());
    EXPECT_EQ(parse({"--pid=parent"}).options.pid, getppid());
    // A number must name a process (257 pins it with a pidfd): ours does.
    EXPECT_EQ(parse({"--pid=" + std::to_string(getpid())}).options.pid, getpid());
    const pid_t parent = getppid();
    EXPECT_EQ(parse({"--pid"}).options.pid, parent > 1 ? parent : getpid());
    EXPECT_EQ(parse({"--pid=auto"}).options.pid, parent > 1 ? parent : getpid());
}

TEST(SendOptions, PidRejectsZeroAndGarbageWithSystemdsErrors) {
    EXPECT_EQ(parse({"--pid=0"}).result, -ERANGE);
    EXPECT_EQ(parse({"--pid=abc"}).result, -EINVAL);
    EXPECT_EQ(parse({"--pid=-3"}).result, -ERANGE);
}

TEST(SendOptions, UidResolvesNamesAndAcceptsUnknownNumbers) {
    const auto root = parse({"--uid=root", "--ready"});
    ASSERT_EQ(root.result, 1);
    EXPECT_EQ(root.options.uid, 0U);
    EXPECT_EQ(root.options.gid, 0U);
    const auto numeric = parse({"--uid=54321", "--ready"});
    ASSERT_EQ(numeric.result, 1);
    EXPECT_EQ(numeric.options.uid, 54321U);
    EXPECT_EQ(numeric.options.gid, std::nullopt);
    EXPECT_EQ(parse({"--uid=no-such-user-here", "--ready"}).result, -EINVAL);
}

TEST(SendOptions, NothingToDoIsAnErrorButHelpAndVersionAreNot) {
    EXPECT_EQ(parse({}).result, -EINVAL);
    EXPECT_EQ(parse({"--help"}).result, 0);
    EXPECT_EQ(parse({"-h"}).result, 0);
    EXPECT_EQ(parse({"--version"}).result, 0);
    EXPECT_EQ(parse({"--bogus"}).result, -EINVAL);
    EXPECT_EQ(parse({"--booted"}).result, 1);
}

TEST(SendOptions, PidOfNoProcessIsRefusedWithESRCHLike257) {
    EXPECT_EQ(parse({"--pid=4194000"}).result, -ESRCH);
}

TEST(SendOptions, PidOpensAPidfdWhoseIdIsSentWherePidfsGivesOne) {
    const auto parsed = parse({"--pid=self"});
    ASSERT_EQ(parsed.result, 1);
    EXPECT_GE(parsed.options.pid_fd.fd(), 0);
    EXPECT_EQ(parsed.options.pid_fd.inode_id(), pidfd_inode_id(getpid()));
}

TEST(SendOptions, ExecTakesTheCommandAfterTheSeparator) {
    const auto parsed = parse({"--ready", "--exec", "A=1", ";", "--", "worker", "-x"});
    ASSERT_EQ(parsed.result, 1);
    EXPECT_EQ(parsed.options.assignments, std::vector<std::string>{"A=1"});
    EXPECT_EQ(parsed.options.command, (std::vector<std::string>{"worker", "-x"}));
}

TEST(SendOptions, ExecRefusesAMissingSeparatorAnEmptyCommandAndNoMessage) {
    EXPECT_EQ(parse({"--ready", "--exec", "worker"}).result, -EINVAL);
    EXPECT_EQ(parse({"--ready", "--exec", ";"}).result, -EINVAL);
    EXPECT_EQ(parse({"--exec", ";", "worker"}).result, -EINVAL);
    // Without --exec a ';' is an assignment like any other argument.
    EXPECT_EQ(parse({"--ready", ";", "worker"}).options.command, std::vector<std::string>{});
}

TEST(SendOptions, ForkTakesTheWholeCommandAndQuiet) {
    const auto parsed = parse({"--fork", "-q", "--", "worker", "--ready"});
    ASSERT_EQ(parsed.result, 1);
    EXPECT_TRUE(parsed.options.fork);
    EXPECT_TRUE(parsed.options.quiet);
    EXPECT_EQ(parsed.options.command, (std::vector<std::string>{"worker", "--ready"}));
    EXPECT_TRUE(parse({"--fork", "--quiet", "worker"}).options.quiet);
}

TEST(SendOptions, ForkRefusesNoCommandAndNotifyOptions) {
    EXPECT_EQ(parse({"--fork"}).result, -EINVAL);
    EXPECT_EQ(parse({"--fork", "--ready", "--", "worker"}).result, -EINVAL);
    EXPECT_EQ(parse({"--fork", "--status=x", "--", "worker"}).result, -EINVAL);
}

TEST(SendOptions, TheLastOfBootedAndForkWins) {
    EXPECT_TRUE(parse({"--fork", "--booted"}).options.booted);
    EXPECT_FALSE(parse({"--fork", "--booted"}).options.fork);
    EXPECT_TRUE(parse({"--booted", "--fork", "worker"}).options.fork);
}

TEST(SendOptions, FdnameNeedsAnFdAndAValidName) {
    EXPECT_EQ(parse({"--fdname=a", "--ready"}).result, -EINVAL);
    EXPECT_EQ(parse({"--fd=0", "--fdname=a:b"}).result, -EINVAL);
    EXPECT_TRUE(fdname_is_valid(""));
    EXPECT_TRUE(fdname_is_valid("store-1"));
    EXPECT_FALSE(fdname_is_valid("a:b"));
    EXPECT_FALSE(fdname_is_valid("tab\there"));
    EXPECT_FALSE(fdname_is_valid(std::string(256, 'x')));
}

TEST(SendOptions, FdOfStdioIsACopyAndOthersMustBeInherited) {
    const auto parsed = parse({"--fd=0", "--fdname=in"});
    ASSERT_EQ(parsed.result, 1);
    ASSERT_EQ(parsed.options.fds.taken().size(), 1U);
    EXPECT_GE(parsed.options.fds.taken()[0], 3);
    EXPECT_EQ(parsed.options.fdname, "in");
    EXPECT_EQ(parse({"--fd=987"}).result, -ENOENT);
    EXPECT_EQ(parse({"--fd=x"}).result, -EINVAL);
    EXPECT_EQ(parse({"--fd=-1"}).result, -EBADF);
}

TEST(ParsePid, FollowsSystemdsParsePid) {
    pid_t pid = 0;
    EXPECT_EQ(parse_pid("123", pid), 0);
    EXPECT_EQ(pid, 123);
    EXPECT_EQ(parse_pid("0", pid), ERANGE);
    EXPECT_EQ(parse_pid("99999999999", pid), ERANGE);
    EXPECT_EQ(parse_pid("", pid), EINVAL);
    EXPECT_EQ(parse_pid("12x", pid), EINVAL);
}

} // namespace
} // namespace nb::cli
