#include "spawn/launch_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace nb::spawn {
namespace {

using namespace std::chrono_literals;

bool has(const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
}

bool has_key(const std::vector<std::string>& env, const std::string& key) {
    return std::any_of(env.begin(), env.end(),
                       [&](const std::string& e) { return e.starts_with(key + "="); });
}

LaunchRequest request(std::chrono::microseconds watchdog = 0us) {
    LaunchRequest r;
    r.command = {"sh", "-c", "true"};
    r.socket_path = "/run/nb/notify.sock";
    r.copies = 4;
    r.watchdog = watchdog;
    return r;
}

const std::vector<std::string> broker_env{
    "PATH=/usr/bin:/bin",     "HOME=/root",           "NOTIFY_SOCKET=/run/systemd/notify",
    "WATCHDOG_USEC=30000000", "WATCHDOG_PID=1",       "LISTEN_FDS=1",
    "LISTEN_PID=1",           "LISTEN_FDNAMES=notify"};

TEST(LaunchPlan, ResolvesTheProgramInPath) {
    auto plan = LaunchPlan::make(request(), 0, broker_env);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_STREQ(plan->path(), "/usr/bin/sh");
}

TEST(LaunchPlan, GivesTheChildTheBrokersSocketAndItsIndex) {
    auto plan = LaunchPlan::make(request(), 2, broker_env);
    ASSERT_TRUE(plan.ok());
    const auto& env = plan->environment();
    EXPECT_TRUE(has(env, "NOTIFY_SOCKET=/run/nb/notify.sock"));
    EXPECT_FALSE(has(env, "NOTIFY_SOCKET=/run/systemd/notify"));
    EXPECT_TRUE(has(env, "NOTIFY_BROKER_WORKER_INDEX=2"));
    EXPECT_TRUE(has(env, "NOTIFY_BROKER_WORKERS=4"));
    EXPECT_TRUE(has(env, "HOME=/root"));
}

TEST(LaunchPlan, KeepsTheBrokersOwnSystemdContextFromTheChild) {
    auto plan = LaunchPlan::make(request(), 0, broker_env);
    ASSERT_TRUE(plan.ok());
    for (const char* key :
         {"WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"})
        EXPECT_FALSE(has_key(plan->environment(), key)) << key;
}

TEST(LaunchPlan, AWorkerWatchdogNamesTheChildsOwnPid) {
    auto plan = LaunchPlan::make(request(2500ms), 0, broker_env);
    ASSERT_TRUE(plan.ok());
    EXPECT_TRUE(has(plan->environment(), "WATCHDOG_USEC=2500000"));
    plan->prepare();
    plan->set_watchdog_pid(4194304);
    bool found = false;
    for (char* const* entry = plan->envp(); *entry != nullptr; ++entry)
        found = found || std::string(*entry) == "WATCHDOG_PID=4194304";
    EXPECT_TRUE(found);
}

TEST(LaunchPlan, AnUnknownProgramIsRefusedBeforeForking) {
    LaunchRequest r = request();
    r.command = {"no-such-program-xyz"};
    auto plan = LaunchPlan::make(r, 0, broker_env);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().message, "cannot run 'no-such-program-xyz': not found in PATH");
    r.command = {"/nonexistent/prog"};
    plan = LaunchPlan::make(r, 0, broker_env);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().message, "cannot run '/nonexistent/prog': No such file or directory");
    r.command = {"/etc/passwd"};
    plan = LaunchPlan::make(r, 0, broker_env);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().message, "cannot run '/etc/passwd': not an executable file");
}

} // namespace
} // namespace nb::spawn
