#!/usr/bin/python3
"""A pool worker using python-systemd (systemd.daemon.notify).

    python-worker.py NAME [START_DELAY_SECONDS]

STATUS= while it starts, READY=1 after the delay, WATCHDOG=1 at half of
WATCHDOG_USEC (1 s without), STOPPING=1 on SIGTERM/SIGINT.
"""

import os
import signal
import sys
import threading

from systemd import daemon

name = sys.argv[1] if len(sys.argv) > 1 else "python"
delay = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())


def notify(*assignments):
    daemon.notify("\n".join((*assignments, f"X_WORKER={name}")))


usec = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
ping = usec / 2e6 if usec > 0 else 1.0

notify("STATUS=opening connections")
if not stop.wait(delay):
    notify("READY=1", "STATUS=serving")
    sys.stderr.write(f"[{name}] python-systemd: READY=1 sent\n")  # one write: no interleaving
    while not stop.wait(ping):
        notify("WATCHDOG=1")
notify("STOPPING=1", "STATUS=stopping")
sys.stderr.write(f"[{name}] python-systemd: stopping\n")
