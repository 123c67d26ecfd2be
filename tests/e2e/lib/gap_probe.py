#!/usr/bin/python3
"""Sends numbered datagrams to the broker's socket across a broker restart,
then a BARRIER=1, and records what happened, for tests/e2e/broker_restart_test.sh.

    gap_probe.py SOCKET COUNT INTERVAL_S OUT_FILE

Each datagram is "X_WORKER=gap-probe\\nSTATUS=seq N". OUT_FILE gets one line
per datagram "N MONOTONIC_US 0|ERRNO" and then "barrier MONOTONIC_US ok|timeout".
The barrier's fd is closed by a broker only once it has processed every
datagram before it, so "ok" proves all of them were processed (an AF_UNIX
datagram socket keeps order). Stays alive afterwards (a live worker) until SIGTERM.
"""

import array
import os
import select
import signal
import socket
import sys
import time


def now_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def main():
    path, count, interval, out_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    lines = []
    for n in range(1, count + 1):
        error = 0
        try:
            sock.sendto(f"X_WORKER=gap-probe\nSTATUS=seq {n}".encode(), path)
        except OSError as e:
            error = e.errno
        lines.append(f"{n} {now_us()} {error}")
        time.sleep(interval)
    read_end, write_end = os.pipe()
    sock.sendmsg([b"BARRIER=1"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [write_end]))],
                 0, path)
    os.close(write_end)
    poller = select.poll()
    poller.register(read_end, select.POLLHUP)
    answered = bool(poller.poll(30_000))
    lines.append(f"barrier {now_us()} {'ok' if answered else 'timeout'}")
    with open(out_path + ".tmp", "w") as out:
        out.write("\n".join(lines) + "\n")
    os.rename(out_path + ".tmp", out_path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
