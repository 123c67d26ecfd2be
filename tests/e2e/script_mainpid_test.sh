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
cat >"$SB_UNITS/script-pid.service" <<'UNIT'
[Unit]
Description=e2e: an unprivileged script using systemd-notify --pid=$$
DefaultDependencies=no
Wants=notify-brokerd.socket
After=notify-brokerd.socket
PartOf=notify-brokerd.service

[Service]
Type=exec
User=nobody
SupplementaryGroups=notify-broker
Environment=NOTIFY_SOCKET=/run/notify-broker/notify.sock
ExecStart=/bin/sh -c '/usr/bin/systemd-notify --ready --pid=$$$$ || exit 1; while :; do sleep 1; done'
UNIT
nb_enable_unit script-pid.service
nb_broker_watchdog 2s
nb_test_config <<'TOML'
[[group]]
name = "scripts"
expect = 1
match = ["script-pid.service"]
[[allow]]
unit = "script-pid.service"
TOML
nb_boot

sb_systemctl start --no-block notify-brokerd.service
sb_expect_prop script-pid.service ActiveState active 10
sb_expect_prop_matches notify-brokerd.service StatusText '^1/1 workers ready' 5
sb_expect_prop notify-brokerd.service ActiveState active 2
! nb_broker_log -o cat | grep 'refused key MAINPID' ||
    sb_fail "the script's own pid was refused as MAINPID="

broker_pid=$(sb_prop notify-brokerd.service MainPID)
sleep 3
sb_expect_prop_matches notify-brokerd.service StatusText '^1/1 workers ready'
sb_expect_prop notify-brokerd.service NRestarts 0
sb_expect_prop notify-brokerd.service MainPID "$broker_pid"

sb_systemctl kill --signal=KILL script-pid.service
sb_expect_prop_matches notify-brokerd.service StatusText '^0/1 workers ready.*script-pid.service gone' 5
nb_broker_log | tail -n 10
