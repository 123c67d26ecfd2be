/* A worker that sends fds with libsystemd's sd_pid_notify_with_fds(), as a
 * MAINPIDFD=1 sender does. Usage: sd_pidfd_worker STATE FD... [--hold]
 * where each FD is "pidfd:self", "pidfd:parent", "pidfd:PID" (a pidfd of that
 * process) or "file" (/dev/null). With --hold it stays alive until its stdin
 * is closed. Exits 0 if the message was sent and a barrier after it answered,
 * 2 on a bad argument. */
#include <systemd/sd-daemon.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_fd(const char* spec) {
    if (strcmp(spec, "file") == 0) {
        return open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (strncmp(spec, "pidfd:", 6) != 0) {
        return -1;
    }
    const char* who = spec + 6;
    pid_t pid = strcmp(who, "self") == 0     ? getpid()
                : strcmp(who, "parent") == 0 ? getppid()
                                             : (pid_t)atoi(who);
    return (int)syscall(SYS_pidfd_open, pid, 0U);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        return 2;
    }
    int fds[8];
    unsigned n = 0;
    int hold = 0;
    for (int i = 2; i < argc; ++i) {
        if (strcmp(argv[i], "--hold") == 0) {
            hold = 1;
            continue;
        }
        if (n == sizeof fds / sizeof fds[0] || (fds[n] = open_fd(argv[i])) < 0) {
            return 2;
        }
        ++n;
    }
    int sent = sd_pid_notify_with_fds(0, 0, argv[1], fds, n);
    /* As systemd-notify does: wait until the broker has read it, so the
     * sender is not reaped before the broker reads its ancestry. */
    if (sent > 0) {
        sent = sd_notify_barrier(0, 5 * 1000 * 1000);
    }
    if (hold) {
        char byte;
        while (read(STDIN_FILENO, &byte, 1) > 0) {
        }
    }
    return sent > 0 ? 0 : 1;
}
