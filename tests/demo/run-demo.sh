#!/usr/bin/env bash
# The demo itself (see .ci/demo, which builds first): a pool of four workers
# behind notify-brokerd, `notify-broker listen` playing systemd.
#   tests/demo/run-demo.sh BUILD_DIR
# Midway an administrator inspects the pool over a private D-Bus
# (`notify-broker status`, `workers`).
# Exits 0 when systemd's side saw STATUS= progress, one READY=1, watchdog
# pings and STOPPING=1, and the broker exited 0 after SIGTERM.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run-demo.sh BUILD_DIR}
brokerd=$build/daemon/app/notify-brokerd
listen_cli=$build/client/cli/notify-broker
client_worker=$build/tests/demo/nb-demo-client-worker
for program in "$brokerd" "$listen_cli" "$client_worker"; do
    [ -x "$program" ] || { echo "demo: $program was not built" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/notify-broker-demo-XXXXXX)
listener=""
broker=""
bus=""
cleanup() {
    for pid in $broker $listener $bus; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

start=$(date +%s.%N)
stamp() { awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%5.1fs", n - s }'; }
say() { printf '\n%s == %s\n' "$(stamp)" "$*"; }
fail() { printf '\n%s !! %s\n' "$(stamp)" "$*" >&2; exit 1; }

# Waits until file has a line matching regex, for at most seconds.
wait_for_line() {
    local file=$1 regex=$2 seconds=$3
    local deadline=$((SECONDS + seconds))
    until grep -Eq -- "$regex" "$file" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

say "systemd's side: notify-broker listen on $dir/systemd.sock"
"$listen_cli" listen --socket="$dir/systemd.sock" >"$dir/upstream.log" &
listener=$!
for _ in $(seq 50); do [ -S "$dir/systemd.sock" ] && break; sleep 0.1; done
[ -S "$dir/systemd.sock" ] || fail "the listener did not bind its socket"
# Every notification, as systemd would receive it, shown as it arrives.
tail -n +1 -f "$dir/upstream.log" --pid="$listener" 2>/dev/null |
    while IFS= read -r line; do
        printf '%s   systemd <- %s\n' "$(stamp)" "${line#* }" # without listen's own clock
    done &

# A private bus, so `notify-broker status` and `workers` can inspect the pool as
# they would on the system bus.
bus_address="unix:path=$dir/bus.sock"
dbus-daemon --session --nofork --nopidfile --address="$bus_address" &
bus=$!
for _ in $(seq 50); do [ -S "$dir/bus.sock" ] && break; sleep 0.1; done
[ -S "$dir/bus.sock" ] || fail "the private dbus-daemon did not start"

say "notify-brokerd --config tests/demo/demo.toml --workers 4 -- tests/demo/pool-worker.sh"
NOTIFY_SOCKET="$dir/systemd.sock" WATCHDOG_USEC=2000000 \
    NB_DEMO_CLIENT_WORKER="$client_worker" NB_DEMO_PLAIN_WORKER="$root/units/example-worker.py" \
    "$brokerd" --config "$root/tests/demo/demo.toml" --socket "$dir/broker.sock" \
    --log-level notice --bus "$bus_address" --workers 4 -- "$root/tests/demo/pool-worker.sh" &
broker=$!

wait_for_line "$dir/upstream.log" 'READY=1' 15 || fail "no READY=1 upstream within 15 s"
say "the pool is ready: systemd got READY=1 once, after the fourth worker"
wait_for_line "$dir/upstream.log" 'STATUS=.*4/4' 2 || fail "no 4/4 status upstream"
# The watchdog: one ping with READY=1, then one a second (WATCHDOG_USEC=2 s),
# as long as every worker keeps pinging the broker within its own 3 s.
pings() { sed -n '/READY=1/,$p' "$dir/upstream.log" | grep -c 'WATCHDOG=1' || true; }
deadline=$((SECONDS + 8))
while [ "$(pings)" -lt 2 ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "fewer than 2 WATCHDOG=1 pings after READY=1"
    sleep 0.1
done

say "an administrator looks: notify-broker status; notify-broker workers"
"$listen_cli" status --bus="$bus_address" || fail "notify-broker status failed"
"$listen_cli" workers --bus="$bus_address" || fail "notify-broker workers failed"

# A hung worker: alive, but silent. The broker notices when plain-3's own 3 s
# watchdog runs out, shows it late and stops pinging systemd (whose WatchdogSec=
# would then restart the service); when plain-3 recovers, pings resume at once.
plain=$(pgrep -P "$broker" -f 'example-worker.py plain-3') || fail "plain-3 is not running"
say "plain-3 hangs (SIGUSR1 to pid $plain: it stops sending WATCHDOG=1 but stays alive)"
kill -USR1 "$plain"
wait_for_line "$dir/upstream.log" 'plain-3 late' 5 || fail "the broker did not notice plain-3 hang"
sleep 2.2 # two upstream pings would have been due meanwhile
late_line=$(grep -n 'plain-3 late' "$dir/upstream.log" | head -n 1 | cut -d: -f1)
withheld=$(sed -n "${late_line},\$p" "$dir/upstream.log" | grep -c 'WATCHDOG=1' || true)
[ "$withheld" -eq 0 ] || fail "WATCHDOG=1 went upstream while plain-3 was late"
say "plain-3 recovers (SIGUSR2): its next ping makes the pool whole again"
kill -USR2 "$plain"
deadline=$((SECONDS + 4))
until sed -n "${late_line},\$p" "$dir/upstream.log" | grep -q 'WATCHDOG=1'; do
    [ "$SECONDS" -lt "$deadline" ] || fail "the pings did not resume after plain-3 recovered"
    sleep 0.1
done

say "systemctl stop: SIGTERM to the broker (pid $broker), which forwards it to the workers"
kill -TERM "$broker"
rc=0
wait "$broker" || rc=$?
broker=""
sleep 0.2 # let the listener print the last datagram
[ "$rc" -eq 0 ] || fail "notify-brokerd exited $rc"
grep -q 'STOPPING=1' "$dir/upstream.log" || fail "no STOPPING=1 upstream"

say "done: notify-brokerd exited 0; systemd received $(wc -l <"$dir/upstream.log") notifications:"
printf '  %s\n' \
    "READY=1: $(grep -c 'READY=1' "$dir/upstream.log") (once, for the whole pool)" \
    "STATUS= updates: $(grep -c 'STATUS=' "$dir/upstream.log")" \
    "WATCHDOG=1: $(grep -c 'WATCHDOG=1' "$dir/upstream.log") (none while plain-3 was late)" \
    "STOPPING=1: $(grep -c 'STOPPING=1' "$dir/upstream.log")"
