#!/usr/bin/env bash
# Scenario 2: a worker is killed; within a second systemd's StatusText for the
# broker says 3/4, and when systemd has restarted the worker it is back to 4/4.
# The broker itself stays active all along.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

# A restarted worker takes 1.5 s to be ready again: the 3/4 state is visible.
nb_prepare_pool 4 "--start-delay 1.5 --ping 1"
nb_pool_config 4 <<<'watchdog = "5s"'
nb_boot

sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready' 2
broker_pid=$(sb_prop notify-brokerd.service MainPID)

t0=$(sb_now)
sb_systemctl kill -s SIGKILL example-worker@2.service
sb_expect_prop_matches notify-brokerd.service StatusText '^3/4 workers ready' 1
took=$(nb_ms_since "$t0")
sb_log "StatusText showed 3/4 after $took ms"
((took < 1000)) || sb_fail "degraded status took $took ms (limit 1000)"
sb_expect_prop notify-brokerd.service ActiveState active

sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready' 10
sb_log "back to 4/4 after $(nb_ms_since "$t0") ms"
sb_expect_prop_matches example-worker@2.service NRestarts '^[1-9]'
sb_expect_prop notify-brokerd.service MainPID "$broker_pid"
sb_expect_prop notify-brokerd.service NRestarts 0
nb_broker_log | tail -n 12
