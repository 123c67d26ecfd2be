#!/usr/bin/env bash
# Issue 14, point 1: a SIGKILLed broker gets its shell-script workers back.
# Two units running as User=nobody, not PartOf= the broker, whose main
# process is a script that reports once with a short-lived command and then
# serves without a word:
#     systemd-notify --ready; exec sleep infinity
#     notify-broker --ready;  exec sleep infinity
# Such workers are identified by their unit and live as long as its cgroup is
# populated; their last sender (the command) is long gone. After the SIGKILL
# systemd restarts the broker, which must take both back from the fd store
# (their units' cgroups still populated) and be "2/2 workers ready" within
# 5 s, although neither says anything again; and stay so: NRestarts=1 and the
# same broker process 10 s later (before, the restore dropped them, the start
# timed out and one crash became a restart loop).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_units
nb_script_pool --detached
# Shorter than the shipped 30 s: a broker that lost its pool starves it at once.
nb_broker_watchdog 2s
nb_boot

sb_systemctl start notify-brokerd.service
nb_expect_status '^2/2 workers ready' 5
declare -A worker_pids
for unit in script-cli.service script-systemd-notify.service; do
    worker_pids[$unit]=$(sb_prop "$unit" MainPID)
done
nb_wait_state_saved 2

nb_sigkill_broker
nb_expect_broker_back 5 '^2/2 workers ready' 'restor|fd store' \
    "the restarted broker did not get its shell-script workers back within 5 s"
sb_expect_prop notify-brokerd.service ActiveState active 2
nb_broker_log -o cat | grep -q 'restored 2 workers from the fd store' ||
    sb_fail "the restarted broker did not restore both script workers"
new_pid=$(sb_prop notify-brokerd.service MainPID)

# No new report: the workers are the same processes, never restarted, and
# said nothing since their one --ready.
for unit in script-cli.service script-systemd-notify.service; do
    sb_expect_prop "$unit" MainPID "${worker_pids[$unit]}"
    sb_expect_prop "$unit" NRestarts 0
done
# Ready for good: the same broker process 10 s later, past WatchdogSec= five times over.
nb_expect_broker_steady 10 '^2/2 workers ready' 1 "$new_pid"
sb_expect_prop notify-brokerd.service ActiveState active
# The resumed cgroup watch: a unit that stops now is gone from the pool.
sb_systemctl stop script-cli.service
nb_expect_status '^1/2 workers ready' 2
nb_broker_log | tail -n 12
