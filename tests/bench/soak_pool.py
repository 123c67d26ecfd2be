#!/usr/bin/python3
"""A pool of N workers in one unit, for tests/bench/restart_soak.sh.

    soak_pool.py SOCKET N PING_S

Forks N children; child i sends "X_WORKER=soak-i\\nREADY=1" once from its own
socket, then "WATCHDOG=1" every PING_S seconds (a send the kernel refuses
while no broker reads, ECONNREFUSED/EAGAIN, is retried at the next ping and
counted in /run/soak-pool.errors). Each child is its own process: N workers
watched by pid. The parent waits; SIGTERM ends them all.
"""

import os
import signal
import socket
import sys
import time


def child(path, index, ping):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.connect(path)
    sock.send(f"X_WORKER=soak-{index}\nREADY=1".encode())
    errors = 0
    while True:
        time.sleep(ping)
        try:
            sock.send(b"WATCHDOG=1")
        except OSError:
            errors += 1
            with open("/run/soak-pool.errors", "a") as out:
                out.write(f"{index} {errors}\n")


def main():
    path, count, ping = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    children = []
    for index in range(1, count + 1):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            child(path, index, ping)
            os._exit(0)
        children.append(pid)

    def stop(*_):
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        os.wait()


if __name__ == "__main__":
    main()
