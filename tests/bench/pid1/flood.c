/* nb-bench-flood: sends notify datagrams as fast as the receiver takes them,
 * from P forked processes, so that the receiver (systemd's PID 1 or
 * notify-brokerd), not the sender, sets the pace. Plain C and raw send(): no
 * library in the way, a few hundred ns per datagram.
 *
 *   nb-bench-flood [--socket PATH] [--count N] [--procs P]
 *                  [--payload status|watchdog] [--name PREFIX] [--result FILE]
 *
 * --socket   the notify socket (default $NOTIFY_SOCKET; "@name" is abstract)
 * --count    datagrams in all, split evenly over the processes (1000000)
 * --procs    sending processes (4)
 * --payload  status: "STATUS=flood P.I" (a new text each time, the heavy
 *            path); watchdog: "WATCHDOG=1"
 * --name     prefix each datagram with "X_WORKER=PREFIX-P\n" (the broker's
 *            worker name; PID 1 ignores the unknown key)
 * --result   once every process has sent its share, write
 *            "start_us end_us sent" (CLOCK_REALTIME µs) to FILE
 * --go       a FIFO: the flood begins once a byte can be read from it, so that
 *            a measurement can start after the unit's own start-up
 *
 * The senders stay alive after the flood (until SIGTERM): a receiver that
 * still works off its queue then meets live senders, as during a real flood,
 * and systemd never has to resolve the unit of a dead pid. The parent sends a
 * last "STATUS=flood done" after all children, which is therefore the last
 * datagram of the queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int connect_notify(const char* path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof addr.sun_path) {
        fprintf(stderr, "nb-bench-flood: bad socket path '%s'\n", path);
        return -1;
    }
    memcpy(addr.sun_path, path, len);
    if (path[0] == '@') {
        addr.sun_path[0] = '\0';
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("nb-bench-flood: socket");
        return -1;
    }
    socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (connect(fd, (struct sockaddr*)&addr, addr_len) != 0) {
        fprintf(stderr, "nb-bench-flood: connect %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char* text, size_t len) {
    for (;;) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        if (n == (ssize_t)len) {
            return 0;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        fprintf(stderr, "nb-bench-flood: send: %s\n", n < 0 ? strerror(errno) : "short");
        return -1;
    }
}

/* One sender: its share of datagrams, then a byte on `done`, then it waits. */
static int flood(const char* path, long count, int index, int watchdog, const char* name,
                 int done) {
    int fd = connect_notify(path);
    if (fd < 0) {
        return 1;
    }
    char text[256];
    int prefix = 0;
    if (name != NULL) {
        prefix = snprintf(text, sizeof text, "X_WORKER=%s-%d\n", name, index);
    }
    for (long i = 0; i < count; ++i) {
        int len;
        if (watchdog) {
            len = prefix + snprintf(text + prefix, sizeof text - (size_t)prefix, "WATCHDOG=1");
        } else {
            len = prefix + snprintf(text + prefix, sizeof text - (size_t)prefix,
                                    "STATUS=flood %d.%ld", index, i);
        }
        if (send_all(fd, text, (size_t)len) != 0) {
            return 1;
        }
    }
    char byte = 'd';
    if (write(done, &byte, 1) != 1) {
        return 1;
    }
    for (;;) {
        pause(); /* until SIGTERM */
    }
}

static volatile sig_atomic_t stop;
static void on_term(int sig) {
    (void)sig;
    stop = 1;
}

int main(int argc, char** argv) {
    const char* path = getenv("NOTIFY_SOCKET");
    long count = 1000000;
    int procs = 4;
    int watchdog = 0;
    const char* name = NULL;
    const char* result = NULL;
    const char* go = NULL;
    for (int i = 1; i < argc; ++i) {
        const char* value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL) {
            fprintf(stderr, "nb-bench-flood: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--socket") == 0) {
            path = value;
        } else if (strcmp(argv[i], "--count") == 0) {
            count = atol(value);
        } else if (strcmp(argv[i], "--procs") == 0) {
            procs = atoi(value);
        } else if (strcmp(argv[i], "--payload") == 0) {
            watchdog = strcmp(value, "watchdog") == 0;
        } else if (strcmp(argv[i], "--name") == 0) {
            name = value;
        } else if (strcmp(argv[i], "--result") == 0) {
            result = value;
        } else if (strcmp(argv[i], "--go") == 0) {
            go = value;
        } else {
            fprintf(stderr, "nb-bench-flood: unknown option %s\n", argv[i]);
            return 2;
        }
        ++i;
    }
    if (path == NULL || count <= 0 || procs <= 0 || procs > 256) {
        fprintf(stderr, "nb-bench-flood: need --socket or $NOTIFY_SOCKET, --count > 0, "
                        "1 <= --procs <= 256\n");
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        perror("nb-bench-flood: pipe2");
        return 1;
    }
    if (go != NULL) {
        int go_fd = open(go, O_RDONLY | O_CLOEXEC);
        char byte;
        if (go_fd < 0 || read(go_fd, &byte, 1) != 1) {
            fprintf(stderr, "nb-bench-flood: no go from %s: %s\n", go, strerror(errno));
            return 1;
        }
        close(go_fd);
    }
    pid_t children[256];
    long long start = now_us();
    for (int p = 0; p < procs; ++p) {
        long share = count / procs + (p < count % procs ? 1 : 0);
        pid_t pid = fork();
        if (pid < 0) {
            perror("nb-bench-flood: fork");
            return 1;
        }
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            close(pipe_fds[0]);
            _exit(flood(path, share, p, watchdog, name, pipe_fds[1]));
        }
        children[p] = pid;
    }
    close(pipe_fds[1]);
    int finished = 0;
    while (finished < procs) {
        char byte;
        ssize_t n = read(pipe_fds[0], &byte, 1);
        if (n == 1) {
            ++finished;
        } else if (n == 0 || (n < 0 && errno != EINTR) || stop) {
            fprintf(stderr, "nb-bench-flood: %d of %d senders failed\n", procs - finished, procs);
            break;
        }
    }
    long long end = now_us();
    int status = finished == procs ? 0 : 1;
    int fd = connect_notify(path);
    if (fd < 0 || send_all(fd, "STATUS=flood done", 17) != 0) {
        status = 1;
    }
    if (result != NULL) {
        FILE* out = fopen(result, "w");
        if (out == NULL ||
            fprintf(out, "%lld %lld %ld\n", start, end, status == 0 ? count : 0) < 0 ||
            fclose(out) != 0) {
            perror("nb-bench-flood: result");
            status = 1;
        }
    }
    fprintf(stderr, "nb-bench-flood: %ld datagrams from %d processes in %.3f s (%.0f/s)\n",
            status == 0 ? count : 0, procs, (double)(end - start) / 1e6,
            (double)count * 1e6 / (double)(end - start > 0 ? end - start : 1));
    while (!stop && status == 0) {
        pause(); /* stay until the unit is stopped */
    }
    for (int p = 0; p < procs; ++p) {
        kill(children[p], SIGTERM);
    }
    for (int p = 0; p < procs; ++p) {
        waitpid(children[p], NULL, 0);
    }
    return status;
}
