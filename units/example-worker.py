#!/usr/bin/python3
"""An example pool worker for notify-brokerd, in plain Python (no modules).

Reports with the sd_notify protocol to $NOTIFY_SOCKET (the broker's socket)
from its own, long-lived process: the broker follows a worker's life through
the sender's pid, so the reports must not come from a short-lived helper
command (an unprivileged `systemd-notify` cannot pass its parent's pid).

    example-worker NAME [--start-delay SECONDS] [--ping SECONDS] [--reload-delay SECONDS]

Sends X_WORKER=NAME with every message: STATUS=starting, then READY=1 after
the start delay, then WATCHDOG=1 every --ping seconds. SIGUSR1 makes it hang
(it stops pinging but stays alive), SIGUSR2 resumes; SIGHUP reports
RELOADING=1 at once and READY=1 --reload-delay seconds later (default 0; a
negative delay: never, the worker stays reloading); SIGTERM reports
STOPPING=1 and exits 0.
"""

import argparse
import os
import signal
import socket
import sys
import time


def notify_address():
    path = os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        sys.exit("example-worker: NOTIFY_SOCKET is not set")
    if path.startswith("@"):
        return "\0" + path[1:]
    if not path.startswith("/"):
        sys.exit(f"example-worker: unsupported NOTIFY_SOCKET {path!r}")
    return path


class Worker:
    def __init__(self, name, address):
        self.name = name
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.hung = False
        self.stopping = False
        self.reload_requested = False

    def send(self, *assignments):
        text = "\n".join((*assignments, f"X_WORKER={self.name}"))
        try:
            self.sock.sendto(text.encode(), self.address)
        except OSError as error:
            # The broker may be restarting; the next ping tries again.
            print(f"<4>cannot report to the broker: {error}", file=sys.stderr, flush=True)

    def wait(self, seconds):
        """Sleeps up to `seconds`, less when a signal asks for something."""
        end = time.monotonic() + seconds
        while not self.stopping and not self.reload_requested and time.monotonic() < end:
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))

    def run(self, start_delay, ping, reload_delay):
        self.send("STATUS=starting")
        time.sleep(start_delay)
        self.send("READY=1", "STATUS=serving")
        reloaded_at = None  # when a reload in progress says READY=1
        next_ping = time.monotonic() + ping
        while not self.stopping:
            until = min(next_ping, reloaded_at or next_ping)
            self.wait(until - time.monotonic())
            now = time.monotonic()
            if self.reload_requested:
                self.reload_requested = False
                monotonic_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
                self.send("RELOADING=1", f"MONOTONIC_USEC={monotonic_usec}", "STATUS=reloading")
                reloaded_at = now + reload_delay if reload_delay >= 0 else float("inf")
            if reloaded_at is not None and now >= reloaded_at:
                reloaded_at = None
                self.send("READY=1", "STATUS=serving")
            if now >= next_ping:
                next_ping = now + ping
                if not self.hung and not self.stopping:
                    self.send("WATCHDOG=1")
        self.send("STOPPING=1", "STATUS=stopping")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--start-delay", type=float, default=0.2)
    parser.add_argument("--ping", type=float, default=1.0)
    parser.add_argument("--reload-delay", type=float, default=0.0)
    args = parser.parse_args()

    worker = Worker(args.name, notify_address())

    def hang(*_):
        worker.hung = True

    def resume(*_):
        worker.hung = False

    def reload(*_):
        worker.reload_requested = True

    def stop(*_):
        worker.stopping = True

    signal.signal(signal.SIGUSR1, hang)
    signal.signal(signal.SIGUSR2, resume)
    signal.signal(signal.SIGHUP, reload)
    signal.signal(signal.SIGTERM, stop)
    worker.run(args.start_delay, args.ping, args.reload_delay)


if __name__ == "__main__":
    main()
