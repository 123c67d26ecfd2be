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

[[ -n ${NB_CLI:-} && -x ${NB_CLI:-} ]] || sb_fail "NB_CLI is not the built notify-broker ('${NB_CLI:-}')"

nb_prepare_units
script_unit() {
    local name=$1 command=$2
    cat >"$SB_UNITS/$name" <<UNIT
[Unit]
Description=e2e: a shell-script worker ($command), not PartOf= the broker
DefaultDependencies=no
Wants=notify-brokerd.socket
After=notify-brokerd.socket

[Service]
Type=exec
User=nobody
SupplementaryGroups=notify-broker
Environment=NOTIFY_SOCKET=/run/notify-broker/notify.sock
ExecStart=/bin/sh -c '$command --ready; exec sleep infinity'
UNIT
    nb_enable_unit "$name"
}
script_unit script-cli.service "$NB_CLI"
script_unit script-systemd-notify.service /usr/bin/systemd-notify
# Shorter than the shipped 30 s: a broker that lost its pool starves it at once.
nb_broker_watchdog 2s
nb_test_config <<'TOML'
[[group]]
name = "scripts"
expect = 2
match = ["script-*.service"]
[[allow]]
unit = "script-*.service"
TOML
nb_boot

sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^2/2 workers ready' 5
declare -A worker_pids
for unit in script-cli.service script-systemd-notify.service; do
    worker_pids[$unit]=$(sb_prop "$unit" MainPID)
done
state_saved() { nb_broker_log -o cat | grep -q 'state #[0-9]* saved (2 workers, 2 ready'; }
sb_wait_until 5 "the broker's state saved with 2 ready workers" state_saved
old_pid=$(sb_prop notify-brokerd.service MainPID)

t_kill=$(sb_now)
sb_systemctl kill -s SIGKILL --kill-who=main notify-brokerd.service
back=0
while (($(sb_now) < t_kill + 5000000)); do
    pid=$(sb_prop notify-brokerd.service MainPID)
    if [[ $pid != "$old_pid" && $pid != 0 &&
        $(sb_prop notify-brokerd.service StatusText) =~ ^2/2\ workers\ ready ]]; then
        back=1
        break
    fi
    sleep 0.05
done
sb_log "after the SIGKILL: $(sb_systemctl show -p ActiveState,SubState,NRestarts,StatusText notify-brokerd.service | paste -sd' ') ($(nb_ms_since "$t_kill") ms)"
nb_broker_log -o cat | grep -E 'restor|fd store' | tail -n 6 >&2 || true
((back)) || sb_fail "the restarted broker did not get its shell-script workers back within 5 s"
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
sleep 10
sb_expect_prop notify-brokerd.service NRestarts 1
sb_expect_prop notify-brokerd.service MainPID "$new_pid"
sb_expect_prop notify-brokerd.service ActiveState active
sb_expect_prop_matches notify-brokerd.service StatusText '^2/2 workers ready'
# The resumed cgroup watch: a unit that stops now is gone from the pool.
sb_systemctl stop script-cli.service
sb_expect_prop_matches notify-brokerd.service StatusText '^1/2 workers ready' 2
nb_broker_log | tail -n 12
