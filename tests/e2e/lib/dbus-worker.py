#!/usr/bin/python3
"""A pool worker that reports to notify-brokerd over the system bus (python3-dbus).

    dbus-worker.py NAME [--ping SECONDS]

Calls Ready(NAME) once the broker owns its name (it may still be starting), then
WatchdogPing(NAME) every --ping seconds, and Stopping(NAME) on SIGTERM. It stays
connected all along: the broker counts a D-Bus worker as gone when its
connection leaves the bus.
"""

import argparse
import signal
import sys
import time

import dbus

BUS_NAME = "org.notifybroker.Broker1"
OBJECT_PATH = "/org/notifybroker/Broker1"
UNREACHABLE = (
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
)


def log(priority, text):
    print(f"<{priority}>dbus-worker: {text}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--ping", type=float, default=1.0)
    args = parser.parse_args()

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    broker = dbus.Interface(
        dbus.SystemBus().get_object(BUS_NAME, OBJECT_PATH, introspect=False), BUS_NAME
    )
    # The broker claims its name a moment after it starts; wait for it.
    deadline = time.monotonic() + 30
    while True:
        try:
            broker.Ready(args.name)
            break
        except dbus.exceptions.DBusException as error:
            if error.get_dbus_name() not in UNREACHABLE or time.monotonic() > deadline:
                log(3, f"Ready refused: {error.get_dbus_name()}: {error.get_dbus_message()}")
                return 1
            time.sleep(0.05)
    log(6, f"ready as {args.name} over D-Bus")
    broker.SetStatus(args.name, "serving over D-Bus")
    while not stopping:
        time.sleep(args.ping)
        if stopping:
            break
        try:
            broker.WatchdogPing(args.name)
        except dbus.exceptions.DBusException as error:
            log(4, f"WatchdogPing: {error.get_dbus_name()}")
    try:
        broker.Stopping(args.name)
    except dbus.exceptions.DBusException:
        pass  # the broker may have gone first
    return 0


if __name__ == "__main__":
    sys.exit(main())
