#!/usr/bin/env bash
# Issue 13 (a): one unit whose shell script starts three workers in the
# background and reports for each by name with systemd-notify. As root,
# systemd-notify sends with its parent's pid, so all three names come from the
# script's pid: each must be a worker of its own (until then every new
# X_WORKER= renamed the one worker: "1/3 workers ready"). They stay ready past
# WatchdogSec= and are gone when the script is killed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_units
nb_socket_unit pool-script.service "e2e: one script reporting for three workers by name" <<'UNIT'
ExecStart=/bin/sh -c 'for i in 1 2 3; do sleep infinity & done; for i in 1 2 3; do /usr/bin/systemd-notify --ready X_WORKER=w$i || exit 1; done; wait'
UNIT
nb_broker_watchdog 2s
nb_test_config < <(
    nb_group_toml pool 3 'w*'
    nb_allow_unit_toml pool-script.service 'w*'
)
nb_boot

sb_systemctl start --no-block notify-brokerd.service
sb_expect_prop pool-script.service ActiveState active 10
nb_expect_status "^3/3 workers ready" 5
sb_expect_prop notify-brokerd.service ActiveState active 2

# They stay ready past WatchdogSec= (the broker keeps systemd's watchdog fed).
nb_expect_broker_steady 3 '^3/3 workers ready'

# Killing the script makes all three gone.
sb_systemctl kill --kill-who=main --signal=KILL pool-script.service
nb_expect_status '^0/3 workers ready.*w1 gone.*w2 gone.*w3 gone' 5
nb_broker_log | tail -n 10
