#!/usr/bin/env bash
# Issue 14, point 1, D-Bus half: a SIGKILLed broker gets its D-Bus worker
# back. The worker (User=nobody, python3-dbus, not PartOf= the broker) calls
# Ready once and then stays connected without a word (no pings in the test's
# time). After the SIGKILL the restarted broker takes it back from the fd
# store by its unique bus name, which the bus says still has an owner, and is
# "2/2 workers ready" within 5 s, NRestarts=1, the same process 10 s later;
# and it watches the name again: when the worker's connection goes, so does
# the worker.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/broker.sh"

/usr/bin/python3 -c 'import dbus' 2>/dev/null ||
    sb_fail "python3-dbus is missing (apt-get install python3-dbus; listed in .ci/packages)"

nb_prepare_pool 1 "--start-delay 0.2 --ping 1"
nb_system_bus
cat >"$SB_UNITS/dbus-worker.service" <<UNIT
[Unit]
Description=e2e: a pool worker reporting over the system bus, not PartOf= the broker
DefaultDependencies=no
Wants=dbus.socket
After=dbus.socket

[Service]
Type=exec
# dbus-python's proxy needs the broker's name owned when it is made.
ExecStartPre=/bin/sleep 1
ExecStart=/usr/bin/python3 $here/lib/dbus-worker.py dbus-1 --ping 3600
User=nobody
PrivateNetwork=yes
NoNewPrivileges=yes
UNIT
nb_enable_unit dbus-worker.service
nb_broker_watchdog 2s
nb_pool_config 1 system <<'TOML'
[[group]]
name = "dbus"
expect = 1
match = ["dbus-*"]
[[allow]]
unit = "example-worker@*.service"
names = ["web-*"]
[[allow]]
unit = "dbus-worker.service"
names = ["dbus-*"]
TOML
nb_boot
nb_start_system_bus

sb_systemctl start --no-block notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^2/2 workers ready' 10
worker_pid=$(sb_prop dbus-worker.service MainPID)
state_saved() { nb_broker_log -o cat | grep -q 'state #[0-9]* saved (2 workers, 2 ready'; }
sb_wait_until 5 "the broker's state saved with 2 ready workers" state_saved
old_pid=$(sb_prop notify-brokerd.service MainPID)

t_kill=$(sb_now)
sb_systemctl kill -s SIGKILL --kill-who=main notify-brokerd.service
back=0
while (($(sb_now) < t_kill + 5000000)); do
    pid=$(sb_prop notify-brokerd.service MainPID)
    if [[ $pid != "$old_pid" && $pid != 0 &&
        $(sb_prop notify-brokerd.service StatusText) =~ ^2/2\ workers\ ready ]]; then
        back=1
        break
    fi
    sleep 0.05
done
sb_log "after the SIGKILL: $(sb_systemctl show -p ActiveState,SubState,NRestarts,StatusText notify-brokerd.service | paste -sd' ') ($(nb_ms_since "$t_kill") ms)"
nb_broker_log -o cat | grep -E 'restor|D-Bus' | tail -n 6 >&2 || true
((back)) || sb_fail "the restarted broker did not get its D-Bus worker back within 5 s"
new_pid=$(sb_prop notify-brokerd.service MainPID)
sb_expect_prop dbus-worker.service MainPID "$worker_pid"
sb_expect_prop dbus-worker.service NRestarts 0
sb_journalctl -u dbus-worker.service -o cat | grep -c 'ready as dbus-1' | grep -qx 1 ||
    sb_fail "the D-Bus worker called Ready more than once"

sleep 10
sb_expect_prop notify-brokerd.service NRestarts 1
sb_expect_prop notify-brokerd.service MainPID "$new_pid"
sb_expect_prop_matches notify-brokerd.service StatusText '^2/2 workers ready'
# Watched for NameOwnerChanged again: its connection goes, so does the worker.
sb_systemctl kill -s SIGKILL dbus-worker.service
sb_expect_prop_matches notify-brokerd.service StatusText '^1/2 workers ready' 3
nb_broker_log | tail -n 12
