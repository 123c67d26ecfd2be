#!/usr/bin/env bash
# Soak (issue 14, point 6, restart part): RESTARTS broker restarts from the fd
# store under a pool of WORKERS workers, in the e2e sandbox (the real systemd).
# Each round SIGKILLs the broker; systemd restarts it (RestartSec shortened,
# no start limit) and the new broker must be ready with the whole pool again
# (READY=1: ActiveState active, "N/N workers ready") without a word from the
# workers but their pings. Per round it records the new broker's RSS, fd count
# and tracked workers, and fails if RSS or fds grow from the first rounds to
# the last ones (a leak across restarts), if a worker process was lost, or
# if a round misses READY=1 within its time.
#
#   restart_soak.sh [RESTARTS [WORKERS]]   # full: 200 100 (outside CI)
#   ctest -R restart_soak                  # short: 5 20 (CI)
# Figures go to stderr and, with NB_SOAK_OUT=FILE, to FILE (one line per round).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../e2e/lib/broker.sh"

restarts=${1:-200}
workers=${2:-100}

nb_prepare_units
cat >"$SB_UNITS/soak-pool.service" <<UNIT
[Unit]
Description=soak: $workers workers in one unit, not PartOf= the broker
DefaultDependencies=no
Wants=notify-brokerd.socket
After=notify-brokerd.socket

[Service]
Type=exec
ExecStart=/usr/bin/python3 $here/soak_pool.py /run/notify-broker/notify.sock $workers 1
UNIT
nb_enable_unit soak-pool.service
# Fast restarts, and no start limit (StartLimitBurst= would stop it after 5).
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nRestartSec=100ms\n' |
    nb_dropin notify-brokerd.service 30-soak-restarts
nb_config <<TOML
[broker]
log_level = "info"
status_interval = "100ms"
[dbus]
bus = "none"
[[group]]
name = "soak"
expect = $workers
match = ["soak-*"]
watchdog = "10s"
TOML
nb_boot
nsenter -t "$SB_PID1" -n sh -c 'echo 512 >/proc/sys/net/unix/max_dgram_qlen'

sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText "^$workers/$workers workers ready" 30
pool_pid=$(sb_prop soak-pool.service MainPID)
children() { sb_in pgrep -c -P "$pool_pid" || true; }
[[ $(children) == "$workers" ]] || sb_fail "the pool does not have $workers worker processes"
saved() { sb_journalctl "_PID=$1" -o cat | grep -q "state #[0-9]* saved ($workers workers, $workers ready"; }

pid1_store_fds() { sb_in sh -c "ls -l /proc/1/fd | grep -c -e 'memfd:nb-state' -e 'anon_inode:\[pidfd\]'" || true; }
declare -a rss fds known
for ((round = 1; round <= restarts; round++)); do
    old=$(sb_prop notify-brokerd.service MainPID)
    # The state with the whole pool must be in the store before the kill.
    sb_wait_until 10 "round $round: the state of $workers ready workers saved" saved "$old"
    t0=$(sb_now)
    sb_systemctl kill -s SIGKILL --kill-who=main notify-brokerd.service
    ready=0
    while (($(sb_now) < t0 + 10000000)); do
        pid=$(sb_prop notify-brokerd.service MainPID)
        if [[ $pid != "$old" && $pid != 0 && $(sb_prop notify-brokerd.service ActiveState) == active &&
            $(sb_prop notify-brokerd.service StatusText) =~ ^$workers/$workers\ workers\ ready ]]; then
            ready=1
            break
        fi
        sleep 0.02
    done
    ((ready)) || sb_fail "round $round: no READY=1 with $workers/$workers within 10 s ($(sb_prop notify-brokerd.service StatusText))"
    took=$(nb_ms_since "$t0")
    sleep 0.3 # let the new broker save its first state and settle
    pid=$(sb_prop notify-brokerd.service MainPID)
    rss[round]=$(sb_in awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    [[ ${rss[round]} =~ ^[0-9]+$ ]] || sb_fail "round $round: no VmRSS for the broker (pid $pid)"
    fds[round]=$(sb_in sh -c "ls /proc/$pid/fd | wc -l")
    known[round]=$(sb_prop notify-brokerd.service StatusText | sed -n 's/^\([0-9]*\)\/.*/\1/p')
    line="round $round: ready in $took ms, rss ${rss[round]} kB, fds ${fds[round]}, workers ${known[round]}"
    sb_log "$line"
    [[ -z ${NB_SOAK_OUT:-} ]] || printf '%s\n' "$line" >>"$NB_SOAK_OUT"
    ((round > 1)) || store_start=$(pid1_store_fds)
done

[[ $(sb_prop notify-brokerd.service NRestarts) == "$restarts" ]] ||
    sb_fail "NRestarts is $(sb_prop notify-brokerd.service NRestarts), not $restarts"
[[ $(children) == "$workers" ]] || sb_fail "worker processes were lost: $(children) of $workers left"
sb_expect_prop soak-pool.service NRestarts 0
middle=$(((restarts + 1) / 2))
sb_log "start/middle/end: rss ${rss[1]}/${rss[middle]}/${rss[restarts]} kB, fds ${fds[1]}/${fds[middle]}/${fds[restarts]}, workers ${known[1]}/${known[middle]}/${known[restarts]}"
# Flat: each broker is a new process, so growth would be state that grows
# with the number of restarts (the snapshot, the store's pidfds).
((rss[restarts] <= rss[1] * 3 / 2 + 1024)) || sb_fail "RSS grew from ${rss[1]} to ${rss[restarts]} kB"
((fds[restarts] <= fds[1] + 2)) || sb_fail "fds grew from ${fds[1]} to ${fds[restarts]}"
((known[restarts] == workers)) || sb_fail "the last broker tracks ${known[restarts]} workers"
# PID 1's state memfds and pidfds (systemd >= 253 holds pidfds of its own
# units too, so the count is compared with the first round's, not with 16).
store_end=$(pid1_store_fds)
sb_log "PID 1's memfd:nb-state + pidfd entries: $store_start after round 1, $store_end at the end"
((store_end <= store_start + 2)) || sb_fail "the fd store grew from $store_start to $store_end entries"
