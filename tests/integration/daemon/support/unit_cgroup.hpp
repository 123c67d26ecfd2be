#pragma once
// Cgroups named like systemd units, made for a test at the cgroup2 root under
// "nb-test-<pid>.slice/", as systemd would have put a unit's processes there.
// Needs root and a writable cgroup2.

#include <nb/test/child_process.hpp>

#include <filesystem>
#include <string>

namespace nb::test {

/// Where cgroup2 is mounted (unified or hybrid host); empty if nowhere.
std::filesystem::path cgroup2_mount();

/// The cgroup "nb-test-<pid>.slice/<path>", removed (bottom up, once empty) at
/// the end; the slice goes with the last of its cgroups.
class TestCgroup {
public:
    explicit TestCgroup(const std::string& path);
    ~TestCgroup();
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;

    [[nodiscard]] bool usable() const { return !path_.empty(); }
    /// Moves the calling process in.
    [[nodiscard]] bool enter() const;
    /// Waits (up to 5 s) until a process is in (another process's enter()).
    [[nodiscard]] bool wait_populated() const;

private:
    std::filesystem::path slice_;
    std::filesystem::path path_;
};

/// A process in the cgroup `unit` (a unit's long-lived process, which keeps
/// its cgroup populated) until its stdin closes; it exits 3 if it cannot enter.
ChildProcess process_in(const TestCgroup& unit);

} // namespace nb::test
