#!/usr/bin/env bash
# A pool worker written in shell around the real systemd-notify(1). Run as root,
# systemd-notify sends with its parent's pid (this script's), so the broker
# follows this long-lived script rather than each short-lived command.
#
#     shell-worker.sh NAME [START_DELAY_SECONDS]
name=${1:-shell}
delay=${2:-1}
stop=0
trap 'stop=1' TERM INT

notify() { systemd-notify "$@" "X_WORKER=$name"; }

# Sleeps in the background so that SIGTERM interrupts the wait at once.
pause() {
    sleep "$1" &
    wait $! || kill $! 2>/dev/null
}

notify --status="warming up"
pause "$delay"
if [ "$stop" -eq 0 ]; then
    notify --ready --status="serving"
    echo "[$name] systemd-notify: READY=1 sent" >&2
fi
# Half of the watchdog interval the broker gave us (1 s without one).
interval=1
if [ -n "${WATCHDOG_USEC:-}" ]; then
    interval=$(awk -v usec="$WATCHDOG_USEC" 'BEGIN { printf "%.3f", usec / 2000000 }')
fi
while [ "$stop" -eq 0 ]; do
    pause "$interval"
    [ "$stop" -eq 0 ] && notify WATCHDOG=1
done
notify STOPPING=1 --status="stopping"
echo "[$name] systemd-notify: stopping" >&2
