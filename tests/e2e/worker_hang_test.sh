#!/usr/bin/env bash
# Scenario 3: a worker hangs (alive, but stops its WATCHDOG=1 pings). The
# broker stops feeding systemd's watchdog; systemd's WatchdogSec= fires and,
# with the unit's Restart=on-failure, restarts the broker (NRestarts grows).
# The workers are PartOf= the broker, so they restart with it, and the pool
# comes back to 4/4.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_pool 4 "--start-delay 0.2 --ping 0.3"
# Shorter than the shipped 30 s so the test is quick; the policy is the unit's.
nb_broker_watchdog 3s
nb_pool_config 4 <<<'watchdog = "1500ms"'
nb_boot

sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready' 2
sb_expect_prop notify-brokerd.service WatchdogUSec 3s
broker_pid=$(sb_prop notify-brokerd.service MainPID)

# Healthy pool: the broker keeps systemd's watchdog fed well past WatchdogSec.
sb_log "healthy for 4 s (longer than WatchdogSec=3s)"
sleep 4
sb_expect_prop notify-brokerd.service NRestarts 0
sb_expect_prop notify-brokerd.service MainPID "$broker_pid"

t0=$(sb_now)
sb_systemctl kill -s SIGUSR1 example-worker@3.service
sb_expect_prop_matches notify-brokerd.service StatusText '^3/4 workers ready' 4
sb_log "hung worker shown after $(nb_ms_since "$t0") ms: $(sb_prop notify-brokerd.service StatusText)"
sb_expect_prop_matches notify-brokerd.service NRestarts '^[1-9]' 10
sb_log "systemd restarted the broker $(nb_ms_since "$t0") ms after the worker hung"
sb_journalctl -u notify-brokerd.service --no-hostname -o cat | grep -i 'watchdog' | head -n 5 || true
grep -q 'notify-brokerd.service: Watchdog timeout' "$SB_WORK/pid1.log" ||
    sb_fail "systemd did not log a watchdog timeout for the broker"

# The workers restart with the broker (PartOf=), the hung one included.
sb_expect_prop notify-brokerd.service ActiveState active 10
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready' 10
[[ $(sb_prop notify-brokerd.service MainPID) != "$broker_pid" ]] || sb_fail "the broker was not restarted"
nb_broker_log | tail -n 15
