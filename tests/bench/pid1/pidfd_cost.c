/* nb-bench-pidfd-cost: what the kernel charges a receiver per datagram for
 * the ways it could learn who sent it (issue 18, point 3). One forked sender
 * sends N "WATCHDOG=1" datagrams (blocking) to a SOCK_DGRAM socket; the
 * receiver drains them in batches of 32 with one of these strategies and
 * reports its own CPU time per datagram (CLOCK_PROCESS_CPUTIME_ID of the
 * receiving process only; the sender is a separate process):
 *
 *   cred         SO_PASSCRED only, recvmmsg: the floor (no pidfd at all)
 *   pidfd        SO_PASSCRED + SO_PASSPIDFD, recvmmsg, close_range of the
 *                batch's pidfds: what notify-brokerd does today
 *   peek-batch   SO_PASSCRED only; recvmmsg(MSG_PEEK) of the batch with
 *                SO_PEEK_OFF stepping through the queue, then recvmmsg of
 *                the same datagrams: the price of looking at every sender's
 *                pid before deciding whether to ask for a pidfd
 *   peek-head    SO_PASSCRED only; recvmsg(MSG_PEEK) of the head, then
 *                recvmsg of it: one datagram at a time
 *   toggle       SO_PASSPIDFD switched on and off around every batch (two
 *                setsockopt calls), as a design that needs a pidfd for one
 *                datagram of each batch would
 *
 *   nb-bench-pidfd-cost [--count N] [--repeat R] STRATEGY...
 * prints "STRATEGY ns_per_datagram" (median of R runs) per strategy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

enum { batch = 32, payload_max = 64, control_max = 128 };

static long long cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char* what) {
    fprintf(stderr, "nb-bench-pidfd-cost: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void set_option(int fd, int option, int on) {
    if (setsockopt(fd, SOL_SOCKET, option, &on, sizeof on) != 0) {
        die("setsockopt");
    }
}

struct slots {
    struct mmsghdr headers[batch];
    struct iovec iov[batch];
    char data[batch][payload_max];
    char control[batch][control_max] __attribute__((aligned(8)));
};

static void reset(struct slots* s, int n) {
    for (int i = 0; i < n; ++i) {
        s->iov[i].iov_base = s->data[i];
        s->iov[i].iov_len = payload_max;
        memset(&s->headers[i], 0, sizeof s->headers[i]);
        s->headers[i].msg_hdr.msg_iov = &s->iov[i];
        s->headers[i].msg_hdr.msg_iovlen = 1;
        s->headers[i].msg_hdr.msg_control = s->control[i];
        s->headers[i].msg_hdr.msg_controllen = control_max;
    }
}

/* The sender's pid as the receiver sees it, and the pidfd if one came. */
static pid_t sender_of(struct msghdr* h, int* pidfd) {
    pid_t pid = 0;
    *pidfd = -1;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level != SOL_SOCKET) {
            continue;
        }
        if (c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            pid = cred.pid;
        } else if (c->cmsg_type == SCM_PIDFD) {
            memcpy(pidfd, CMSG_DATA(c), sizeof *pidfd);
        }
    }
    return pid;
}

static void sender(const char* path, long count) {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, path, strnlen(path, sizeof addr.sun_path - 1));
    if (fd < 0 || connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
        die("sender connect");
    }
    for (long i = 0; i < count; ++i) {
        if (send(fd, "WATCHDOG=1", 10, 0) != 10) {
            die("send");
        }
    }
    _exit(0);
}

/* Receives `count` datagrams with one strategy; returns CPU ns per datagram. */
static double run(const char* strategy, long count) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/nb-pidfd-cost.%d.sock", (int)getpid());
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, path, strnlen(path, sizeof addr.sun_path - 1));
    if (fd < 0 || bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
        die("bind");
    }
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    set_option(fd, SO_PASSCRED, 1);
    const int pidfd_mode = strcmp(strategy, "pidfd") == 0;
    const int peek_batch = strcmp(strategy, "peek-batch") == 0;
    const int peek_head = strcmp(strategy, "peek-head") == 0;
    const int toggle = strcmp(strategy, "toggle") == 0;
    if (!pidfd_mode && !peek_batch && !peek_head && !toggle && strcmp(strategy, "cred") != 0) {
        fprintf(stderr, "nb-bench-pidfd-cost: unknown strategy %s\n", strategy);
        exit(2);
    }
    if (pidfd_mode) {
        set_option(fd, SO_PASSPIDFD, 1);
    }
    if (peek_batch) {
        int zero = 0;
        if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero) != 0) {
            die("SO_PEEK_OFF");
        }
    }
    pid_t child = fork();
    if (child == 0) {
        sender(path, count);
    }
    static struct slots s;
    long got = 0;
    pid_t expected = child;
    long long start = cpu_ns();
    while (got < count) {
        int n;
        if (peek_head) {
            reset(&s, 1);
            if (recvmsg(fd, &s.headers[0].msg_hdr, MSG_PEEK) < 0) {
                die("recvmsg peek");
            }
            int pidfd;
            if (sender_of(&s.headers[0].msg_hdr, &pidfd) != expected) {
                fprintf(stderr, "nb-bench-pidfd-cost: unexpected sender\n");
                exit(1);
            }
            reset(&s, 1);
            if (recvmsg(fd, &s.headers[0].msg_hdr, 0) < 0) {
                die("recvmsg");
            }
            n = 1;
        } else {
            if (peek_batch) {
                reset(&s, batch);
                n = recvmmsg(fd, s.headers, batch, MSG_PEEK | MSG_WAITFORONE, NULL);
                if (n < 0) {
                    die("recvmmsg peek");
                }
                for (int i = 0; i < n; ++i) {
                    int pidfd;
                    if (sender_of(&s.headers[i].msg_hdr, &pidfd) != expected) {
                        fprintf(stderr, "nb-bench-pidfd-cost: unexpected sender\n");
                        exit(1);
                    }
                }
                /* all pinned: take exactly the peeked ones, without pidfds */
                reset(&s, n);
                if (recvmmsg(fd, s.headers, (unsigned)n, MSG_DONTWAIT, NULL) != n) {
                    die("recvmmsg after peek");
                }
            } else {
                if (toggle) {
                    set_option(fd, SO_PASSPIDFD, 1);
                    set_option(fd, SO_PASSPIDFD, 0);
                }
                reset(&s, batch);
                n = recvmmsg(fd, s.headers, batch, MSG_WAITFORONE, NULL);
                if (n < 0) {
                    die("recvmmsg");
                }
            }
            int low = -1, high = -1;
            for (int i = 0; i < n; ++i) {
                int pidfd;
                if (sender_of(&s.headers[i].msg_hdr, &pidfd) != expected) {
                    fprintf(stderr, "nb-bench-pidfd-cost: unexpected sender\n");
                    exit(1);
                }
                if (pidfd >= 0) {
                    low = low < 0 || pidfd < low ? pidfd : low;
                    high = pidfd > high ? pidfd : high;
                }
            }
            if (low >= 0) {
                syscall(SYS_close_range, low, high, 0);
            }
        }
        got += n;
    }
    long long used = cpu_ns() - start;
    waitpid(child, NULL, 0);
    close(fd);
    unlink(path);
    return (double)used / (double)count;
}

static int by_value(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

int main(int argc, char** argv) {
    long count = 200000;
    int repeat = 3;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first += 2) {
        if (first + 1 >= argc) {
            return 2;
        }
        if (strcmp(argv[first], "--count") == 0) {
            count = atol(argv[first + 1]);
        } else if (strcmp(argv[first], "--repeat") == 0) {
            repeat = atoi(argv[first + 1]);
        } else {
            return 2;
        }
    }
    if (repeat < 1 || repeat > 15 || count < 1) {
        return 2;
    }
    /* Interleaved rounds, so machine load drifts over all strategies alike. */
    double results[16][15];
    int strategies = argc - first;
    if (strategies < 1 || strategies > 16) {
        fprintf(stderr, "usage: nb-bench-pidfd-cost [--count N] [--repeat R] "
                        "cred|pidfd|peek-batch|peek-head|toggle...\n");
        return 2;
    }
    for (int r = 0; r < repeat; ++r) {
        for (int i = 0; i < strategies; ++i) {
            results[i][r] = run(argv[first + i], count);
        }
    }
    for (int i = 0; i < strategies; ++i) {
        qsort(results[i], (size_t)repeat, sizeof(double), by_value);
        printf("%s %.0f\n", argv[first + i], results[i][repeat / 2]);
    }
    return 0;
}
