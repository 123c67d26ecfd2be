#!/usr/bin/env bash
# Issue 13 (b): an unprivileged script reports with
#     systemd-notify --ready --pid=$$
# and then serves from the script itself. systemd-notify adds MAINPID=$$; until
# issue 13 that key made the broker drop the whole datagram (forbidden-key)
# while systemd-notify exited 0, and the pool never became ready. Now the
# script (systemd-notify's parent, same uid) is the worker's main process: it
# counts as ready for as long as the script runs, past WatchdogSec=, and is
# gone when the script is killed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_units
nb_socket_unit --nobody script-pid.service 'e2e: an unprivileged script using systemd-notify --pid=$$' <<'UNIT'
ExecStart=/bin/sh -c '/usr/bin/systemd-notify --ready --pid=$$$$ || exit 1; while :; do sleep 1; done'
UNIT
nb_broker_watchdog 2s
nb_test_config < <(
    nb_group_toml scripts 1 script-pid.service
    nb_allow_unit_toml script-pid.service
)
nb_boot

sb_systemctl start --no-block notify-brokerd.service
sb_expect_prop script-pid.service ActiveState active 10
nb_expect_status '^1/1 workers ready' 5
sb_expect_prop notify-brokerd.service ActiveState active 2
! nb_broker_log -o cat | grep 'refused key MAINPID' ||
    sb_fail "the script's own pid was refused as MAINPID="

nb_expect_broker_steady 3 '^1/1 workers ready'

sb_systemctl kill --signal=KILL script-pid.service
nb_expect_status '^0/1 workers ready.*script-pid.service gone' 5
nb_broker_log | tail -n 10
