#!/usr/bin/env bash
# Scenario 7: `systemctl reload notify-brokerd` (ExecReload= kill -HUP) makes
# the broker send RELOADING=1 (+ MONOTONIC_USEC) and then READY=1; systemd shows
# the unit reloading, then active again, same process, no restart.
# `systemctl stop` makes it send STOPPING=1 and exit cleanly (Result=success);
# its workers stop with it and neither comes back (no socket activation by the
# workers' own STOPPING=1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_pool 2 "--start-delay 0.2 --ping 1"
nb_pool_config 2 </dev/null
nb_boot

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

starts_before=$(grep -c 'Starting notify-brokerd.service' "$SB_WORK/pid1.log" || true)
sb_systemctl stop notify-brokerd.service
sb_expect_prop notify-brokerd.service ActiveState inactive
sb_expect_prop notify-brokerd.service Result success
sb_expect_prop notify-brokerd.service ExecMainStatus 0
nb_broker_log -o cat | grep -q 'upstream: .*STOPPING=1' || sb_fail "the broker sent no STOPPING=1"

# The pool stops with it (PartOf=) and everything stays stopped: the workers'
# last words (STOPPING=1 as they exit) must not socket-activate the broker
# again. A re-activation would follow the last worker's exit within
# milliseconds; watch for one over a second after the pool is down.
for i in 1 2; do
    sb_expect_prop "example-worker@$i.service" ActiveState inactive 10
done
deadline=$(($(sb_now) + 1000000))
while (($(sb_now) < deadline)); do
    state=$(sb_prop notify-brokerd.service ActiveState)
    [[ $state == inactive ]] || sb_fail "the broker is $state again after systemctl stop (socket activation)"
    sleep 0.02
done
for i in 1 2; do
    sb_expect_prop "example-worker@$i.service" ActiveState inactive
done
sb_expect_prop notify-brokerd.socket ActiveState active
starts_after=$(grep -c 'Starting notify-brokerd.service' "$SB_WORK/pid1.log" || true)
((starts_after == starts_before)) ||
    sb_fail "systemd started the broker again after the stop ($starts_before -> $starts_after starts)"
[[ -z $(sb_systemctl list-jobs --no-legend) ]] || sb_fail "jobs pending after the stop: $(sb_systemctl list-jobs)"
nb_broker_log | tail -n 12
