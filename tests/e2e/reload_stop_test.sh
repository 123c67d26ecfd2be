#!/usr/bin/env bash
# Scenario 7: `systemctl reload notify-brokerd` (ExecReload= kill -HUP) makes
# the broker send RELOADING=1 (+ MONOTONIC_USEC) and then READY=1; systemd shows
# the unit reloading, then active again, same process, no restart.
# `systemctl stop` makes it send STOPPING=1 and exit cleanly (Result=success).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/sandbox.sh"
source "$here/lib/broker.sh"

nb_prepare_units
nb_enable_workers 2
nb_worker_args "--start-delay 0.2 --ping 1"
nb_config <<'TOML'
[broker]
log_level = "debug"
status_interval = "100ms"
[dbus]
bus = "none"
[[group]]
name = "web"
expect = 2
match = ["web-*"]
TOML
sb_start
nb_install

sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^2/2 workers ready' 2
broker_pid=$(sb_prop notify-brokerd.service MainPID)

# Watch the unit's ActiveState through the reload (systemd's own view).
states=$SB_WORK/states
(
    end=$(($(sb_now) + 5000000))
    while (($(sb_now) < end)); do
        sb_prop notify-brokerd.service ActiveState 2>/dev/null || true
        sleep 0.005
    done
) >"$states" &
watcher=$!
sleep 0.2
sb_systemctl reload notify-brokerd.service
sb_expect_prop notify-brokerd.service ActiveState active 5
wait "$watcher"
sb_log "ActiveState during the reload: $(uniq "$states" | tr '\n' ' ')"

log=$(nb_broker_log -o cat)
reloading_line=$(grep -n 'upstream: .*RELOADING=1' <<<"$log" | head -n1 | cut -d: -f1)
[[ -n $reloading_line ]] || sb_fail "the broker sent no RELOADING=1"
grep 'upstream: .*RELOADING=1' <<<"$log" | grep -q 'MONOTONIC_USEC=[0-9]' ||
    sb_fail "RELOADING=1 came without MONOTONIC_USEC="
tail -n +"$reloading_line" <<<"$log" | grep -q 'upstream: .*READY=1' ||
    sb_fail "no READY=1 after RELOADING=1"
grep -q 'Reloaded notify-brokerd.service' "$SB_WORK/pid1.log" ||
    sb_fail "systemd did not log the reload as done"
grep -qx reloading "$states" || sb_log "note: the reloading state was too short to be sampled"
sb_expect_prop notify-brokerd.service MainPID "$broker_pid"
sb_expect_prop notify-brokerd.service NRestarts 0
sb_expect_prop_matches notify-brokerd.service StatusText '^2/2 workers ready' 2

sb_systemctl stop notify-brokerd.service
sb_expect_prop notify-brokerd.service ActiveState inactive
sb_expect_prop notify-brokerd.service Result success
sb_expect_prop notify-brokerd.service ExecMainStatus 0
nb_broker_log -o cat | grep -q 'upstream: .*STOPPING=1' || sb_fail "the broker sent no STOPPING=1"
# Not asserted (known gap, see the e2e report): the workers stop alongside
# (PartOf=) and their last STOPPING=1 can socket-activate the broker again
# unless the broker waits for its workers before exiting.
nb_broker_log | tail -n 8
