#!/usr/bin/env bash
# Issue 14, point 2: the shipped pool arrangement. notify-broker-pool.target
# wants the broker; the broker and the example-pool-worker@ units are PartOf=
# the target, the workers not PartOf= the broker. Proven under the real systemd:
#  1. `systemctl start notify-broker-pool.target` starts the broker and both
#     workers, and the broker is ready with them;
#  2. an automatic restart of the broker (a crash: SIGKILL, Restart=on-failure;
#     and a watchdog kill) leaves the workers running, same processes, and the
#     restarted broker is ready with them at once;
#  3. `systemctl restart notify-brokerd` leaves them running too;
#  4. `systemctl stop notify-broker-pool.target` stops the broker and the
#     workers together, and nothing starts the broker again afterwards (no
#     datagram left in its socket); a start of the target brings all back.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_units
[[ -f $SB_UNITS/notify-broker-pool.target ]] || sb_fail "notify-broker-pool.target is not shipped"
grep -qx 'PartOf=notify-broker-pool.target' "$SB_UNITS/notify-brokerd.service" ||
    sb_fail "notify-brokerd.service is not PartOf=notify-broker-pool.target"
grep -q '^PartOf=notify-brokerd' "$SB_UNITS/example-pool-worker@.service" &&
    sb_fail "example-pool-worker@.service must not be PartOf= the broker"
# As `systemctl enable example-pool-worker@{1,2}` would: wanted by the target.
mkdir -p "$SB_UNITS/notify-broker-pool.target.wants"
for i in 1 2; do
    ln -sf ../example-pool-worker@.service \
        "$SB_UNITS/notify-broker-pool.target.wants/example-pool-worker@$i.service"
done
nb_worker_args "--start-delay 0.2 --ping 0.5" example-pool-worker@.service
nb_broker_watchdog 2s
# A watchdog kill (SIGABRT) ends quickly instead of after TimeoutStopSec=.
printf '[Service]\nTimeoutAbortSec=1s\n' | nb_dropin notify-brokerd.service 30-e2e-abort
nb_pool_config 2 <<'TOML'
TOML
nb_boot

workers=(example-pool-worker@1.service example-pool-worker@2.service)
declare -A pids
remember_workers() {
    local unit
    for unit in "${workers[@]}"; do
        sb_expect_prop "$unit" ActiveState active 5
        pids[$unit]=$(sb_prop "$unit" MainPID)
    done
}
workers_untouched() {
    local unit
    for unit in "${workers[@]}"; do
        sb_expect_prop "$unit" MainPID "${pids[$unit]}"
        sb_expect_prop "$unit" NRestarts 0
    done
}
broker_back_ready() { # OLD_PID RESTARTS
    sb_expect_prop_matches notify-brokerd.service NRestarts "^$2\$" 10
    sb_expect_prop notify-brokerd.service ActiveState active 10
    [[ $(sb_prop notify-brokerd.service MainPID) != "$1" ]] || sb_fail "the broker was not restarted"
    nb_expect_status '^2/2 workers ready' 2
}

# 1. The target starts the broker and the workers.
sb_systemctl start notify-broker-pool.target
sb_expect_prop notify-broker-pool.target ActiveState active 10
sb_expect_prop notify-brokerd.service ActiveState active 10
nb_expect_status '^2/2 workers ready' 5
remember_workers
sb_log "case 1 ok: the target started the broker and both workers"

# 2a. A crash: systemd restarts the broker alone.
nb_sigkill_broker
broker_back_ready "$NB_KILLED_PID" 1
workers_untouched
sb_log "case 2a ok: after a crash (SIGKILL) the workers kept running"

# 2b. A watchdog kill: the broker hangs (SIGSTOP), systemd aborts and restarts it.
old=$(sb_prop notify-brokerd.service MainPID)
sb_in kill -STOP "$old"
broker_back_ready "$old" 2
grep -q 'notify-brokerd.service: Watchdog timeout' "$SB_WORK/pid1.log" ||
    sb_fail "the broker was not restarted by its watchdog"
workers_untouched
sb_log "case 2b ok: after a watchdog kill the workers kept running"

# 3. A manual restart of the broker.
old=$(sb_prop notify-brokerd.service MainPID)
sb_systemctl restart notify-brokerd.service
sb_expect_prop notify-brokerd.service ActiveState active 10
[[ $(sb_prop notify-brokerd.service MainPID) != "$old" ]] || sb_fail "systemctl restart did not restart the broker"
nb_expect_status '^2/2 workers ready' 2
workers_untouched
sb_log "case 3 ok: systemctl restart notify-brokerd kept the workers running"

# 4. Stopping the target stops all of them, and nothing comes back.
sb_systemctl stop notify-broker-pool.target
for unit in notify-broker-pool.target notify-brokerd.service "${workers[@]}"; do
    sb_expect_prop "$unit" ActiveState inactive 10
done
sleep 2
sb_expect_prop notify-brokerd.service ActiveState inactive
sb_log "case 4 ok: stopping the target stopped the broker and both workers"
sb_systemctl start notify-broker-pool.target
nb_expect_status '^2/2 workers ready' 10
for unit in "${workers[@]}"; do
    sb_expect_prop "$unit" ActiveState active 5
    [[ $(sb_prop "$unit" MainPID) != "${pids[$unit]}" ]] || sb_fail "$unit was not started anew"
done
sb_log "case 4 ok: starting the target again brought the pool back"
nb_broker_log | tail -n 12
