#!/usr/bin/env bash
# Shell-script workers: units running as User=nobody whose main process is a
# shell script that reports with a short-lived command and then serves,
#     notify-broker --ready; exec sleep infinity
#     systemd-notify --ready; exec sleep infinity
# An unprivileged command cannot fake its parent's pid, so the datagram's
# sender is the short-lived command itself. Such a worker is identified by its
# unit (no X_WORKER=), and what the administrator expects is that it counts as
# ready for as long as its unit runs: the broker becomes ready, keeps systemd's
# watchdog fed (it pings only while every required worker is alive), and the
# worker is gone only when its unit stops.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_units
nb_script_pool '--status="script up"'
# Shorter than the shipped 30 s, so a starved watchdog shows within the test.
nb_broker_watchdog 2s
nb_boot

# --no-block: while the bug stands the broker would never be ready, and
# `systemctl start` would wait for TimeoutStartSec=.
sb_systemctl start --no-block notify-brokerd.service
for unit in script-cli.service script-systemd-notify.service; do
    sb_expect_prop "$unit" ActiveState active 10
done
status_ok=0
nb_poll_since "$(sb_now)" 5 nb_status_matches '^2/2 workers ready' && status_ok=1
sb_log "broker: $(sb_prop notify-brokerd.service ActiveState), StatusText '$(sb_prop notify-brokerd.service StatusText)'"
nb_broker_log -o cat | grep -E 'watching|gone|dropped|upstream' | head -n 12 >&2 || true
((status_ok)) || sb_fail "shell-script workers do not count as ready while their units run (the sender was the short-lived command; the broker follows its pid, not the unit)"
sb_expect_prop notify-brokerd.service ActiveState active 2

# They stay ready while their units run (the short-lived senders are long
# gone), and the broker keeps systemd's watchdog fed: hold past WatchdogSec=.
nb_expect_broker_steady 3 '^2/2 workers ready'
# ... and are gone when their unit stops.
sb_systemctl stop script-cli.service
nb_expect_status '^1/2 workers ready.*script-cli' 2
nb_broker_log | tail -n 10
